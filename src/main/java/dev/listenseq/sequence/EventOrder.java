package dev.listenseq.sequence;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * The order in which a user's events that share one event time are applied: by event_id, then by
 * where the record was read (topic, partition, offset). Both keys are properties of the record, not
 * of its arrival, so the result never depends on which partition (or which replay) delivered first:
 * the streaming run and a backfill apply such events in the same order. The order is total for
 * records read from Kafka, since no two share a position.
 */
public final class EventOrder {

    /** What the order looks at: the event's id and the position it was read from. */
    public record Key(String eventId, String topic, int partition, long offset) {
    }

    public static final Comparator<Key> ORDER = Comparator.comparing(Key::eventId)
            .thenComparing(Key::topic)
            .thenComparingInt(Key::partition)
            .thenComparingLong(Key::offset);

    private EventOrder() {
    }

    /** Sorts {@code events} in place into application order; each event's key is taken once. */
    public static <T> void sort(List<T> events, Function<? super T, Key> key) {
        if (events.size() < 2) {
            return;
        }
        List<Keyed<T>> keyed = new ArrayList<>(events.size());
        for (T event : events) {
            keyed.add(new Keyed<>(key.apply(event), event));
        }
        keyed.sort(Comparator.comparing(Keyed::key, ORDER));
        for (int i = 0; i < keyed.size(); i++) {
            events.set(i, keyed.get(i).event());
        }
    }

    private record Keyed<T>(Key key, T event) {
    }
}
