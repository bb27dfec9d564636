package dev.listenseq.sequence;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The order of events at one event time: a property of the records, never of their arrival. */
class EventOrderTest {

    private static EventOrder.Key key(String id, String topic, int partition, long offset) {
        return new EventOrder.Key(id, topic, partition, offset);
    }

    @Test
    void eventIdDecidesFirst() {
        List<EventOrder.Key> events = new ArrayList<>(List.of(
                key("e3", "a", 0, 1), key("e1", "z", 9, 99), key("e2", "a", 0, 0)));
        EventOrder.sort(events, k -> k);
        assertEquals(List.of("e1", "e2", "e3"), events.stream().map(EventOrder.Key::eventId).toList());
    }

    @Test
    void aRepeatedEventIdIsOrderedByTopicThenPartitionThenOffset() {
        EventOrder.Key topicA = key("dup", "listen-a", 7, 500);
        EventOrder.Key topicBPartition0 = key("dup", "listen-b", 0, 900);
        EventOrder.Key topicBPartition1Early = key("dup", "listen-b", 1, 3);
        EventOrder.Key topicBPartition1Late = key("dup", "listen-b", 1, 40);
        List<EventOrder.Key> events = new ArrayList<>(List.of(
                topicBPartition1Late, topicA, topicBPartition1Early, topicBPartition0));
        EventOrder.sort(events, k -> k);
        assertEquals(List.of(topicA, topicBPartition0, topicBPartition1Early, topicBPartition1Late), events);
    }

    @Test
    void offsetsCompareAsNumbersNotText() {
        List<EventOrder.Key> events = new ArrayList<>(List.of(key("e", "t", 10, 0), key("e", "t", 9, 0),
                key("f", "t", 0, 100), key("f", "t", 0, 20)));
        EventOrder.sort(events, k -> k);
        assertEquals(List.of(key("e", "t", 9, 0), key("e", "t", 10, 0), key("f", "t", 0, 20), key("f", "t", 0, 100)),
                events);
    }

    @Test
    void everyArrivalOrderGivesTheSameOrder() {
        List<EventOrder.Key> keys = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // Few ids and few partitions, so every tie-breaker is needed.
            keys.add(key("e" + (i % 5), "t" + (i % 2), i % 3, i));
        }
        List<EventOrder.Key> expected = new ArrayList<>(keys);
        expected.sort(EventOrder.ORDER);
        Random random = new Random(15);
        for (int run = 0; run < 50; run++) {
            List<Arrival> arrived = new ArrayList<>();
            keys.forEach(k -> arrived.add(new Arrival(k)));
            Collections.shuffle(arrived, random);
            EventOrder.sort(arrived, Arrival::key);
            assertEquals(expected, arrived.stream().map(Arrival::key).toList(), "arrival order " + run);
        }
    }

    @Test
    void aSingleEventNeedsNoKey() {
        List<EventOrder.Key> one = new ArrayList<>(List.of(key("e", "t", 0, 0)));
        EventOrder.sort(one, k -> {
            throw new AssertionError("one event has nothing to be ordered against");
        });
        assertEquals(List.of(key("e", "t", 0, 0)), one);
    }

    /** An event as the Flink shell holds it: something that is not the key itself. */
    private record Arrival(EventOrder.Key key) {
    }
}
