package dev.listenseq.sequence;

/** The event ids already applied to one user, with their event times, for de-duplication. */
public interface SeenEvents {

    boolean contains(String eventId);

    void add(String eventId, long eventTime);

    /** Forgets ids of events older than the given event time. */
    void removeOlderThan(long eventTime);
}
