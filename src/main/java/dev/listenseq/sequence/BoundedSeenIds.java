package dev.listenseq.sequence;

import dev.listenseq.avro.state.UserState;

/**
 * A user's seen event ids, bounded by count and by the dedup window, at an amortized constant cost
 * per event: the ids live in two generations (two maps in keyed state). New ids go to the current
 * one; when it holds {@code maxIds / 2} ids, or when every id of the previous one is older than the
 * window, the previous generation is dropped whole and the current one becomes the previous.
 * Nothing ever scans for old ids: a generation is cleared at once, and each id is cleared once.
 *
 * <p>Invariants: the newest {@code maxIds / 2} ids are always remembered; at most {@code maxIds} are
 * kept; an id is forgotten by time only once it is older than the window. The bookkeeping (which
 * generation is current, its size, when the previous one was closed) is in the user's
 * {@link UserState}, so {@link #bind} must be called with the user before each event.
 */
public final class BoundedSeenIds implements SeenEvents {

    /** One generation: event id → event time, scoped to the current user. */
    public interface Generation {
        boolean contains(String eventId);

        void put(String eventId, long eventTime);

        /** Removes every id of the current user in this generation. */
        void clear();
    }

    private final Generation[] generations;
    private final int perGeneration;
    private UserState user;

    public BoundedSeenIds(Generation first, Generation second, int maxIds) {
        this.generations = new Generation[] {first, second};
        this.perGeneration = Math.max(1, maxIds / 2);
    }

    /** Points this at the user whose event comes next. */
    public BoundedSeenIds bind(UserState user) {
        this.user = user;
        return this;
    }

    @Override
    public boolean contains(String eventId) {
        int current = user.getSeenCurrent();
        return generations[current].contains(eventId)
                || (previousHoldsIds() && generations[1 - current].contains(eventId));
    }

    @Override
    public void add(String eventId, long eventTime) {
        if (user.getSeenCount() < 0 || user.getSeenCount() >= perGeneration) {
            rotate();
        }
        generations[user.getSeenCurrent()].put(eventId, eventTime);
        user.setSeenCount(user.getSeenCount() + 1);
    }

    /**
     * Drops the previous generation once all of it is older than {@code eventTime}, and then (or when
     * it is empty) closes the current one, so that ids are forgotten about one window after they are.
     */
    @Override
    public void removeOlderThan(long eventTime) {
        if (!previousHoldsIds() || user.getSeenRotatedAt() < eventTime) {
            rotate();
        }
    }

    private boolean previousHoldsIds() {
        return user.getSeenRotatedAt() != Long.MIN_VALUE;
    }

    private void rotate() {
        int current = user.getSeenCurrent();
        if (previousHoldsIds()) {
            generations[1 - current].clear();
        }
        user.setSeenCurrent(1 - current);
        // Every id of the generation being closed has an event time at most as_of: none is newer.
        user.setSeenRotatedAt(user.getSeenCount() == 0 ? Long.MIN_VALUE : user.getAsOf());
        user.setSeenCount(0);
    }
}
