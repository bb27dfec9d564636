package dev.listenseq.kafka;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffsetRangeTest {

    private static final TopicPartition A0 = new TopicPartition("a", 0);
    private static final TopicPartition A1 = new TopicPartition("a", 1);
    private static final TopicPartition B0 = new TopicPartition("b", 0);

    private final OffsetRange range = new OffsetRange(Map.of(A0, 10L, A1, 0L, B0, 5L), Map.of(A0, 30L, A1, 0L, B0, 7L));

    @Test
    void countsRecordsDoneAndLeftWithPositionsClampedToTheRange() {
        assertEquals(22, range.total());
        assertEquals(0, range.done(Map.of()));
        assertEquals(5, range.done(Map.of(A0, 15L)));
        assertEquals(20 + 2, range.done(Map.of(A0, 99L, B0, 7L, A1, 0L)), "past the stop counts as done, no more");
        assertEquals(0, range.done(Map.of(A0, 3L)), "before the start counts as nothing");
    }

    @Test
    void isFinishedOnlyWhenEveryPartitionReportedItsStop() {
        assertFalse(range.finished(Map.of(A0, 30L, B0, 7L)), "the empty partition has not reported yet");
        assertTrue(range.finished(Map.of(A0, 30L, B0, 7L, A1, 0L)));
        assertFalse(range.finished(Map.of(A0, 29L, B0, 7L, A1, 0L)));
    }

    @Test
    void ordersPartitionsAndNeverEndsBeforeItStarts() {
        OffsetRange r = new OffsetRange(Map.of(B0, 5L, A1, 8L, A0, 1L), Map.of(B0, 6L, A1, 3L, A0, 2L));
        assertEquals(List.of(A0, A1, B0), List.copyOf(r.start().keySet()));
        assertEquals(8L, r.stop().get(A1), "a stop before the start is an empty range");
        assertEquals(2, r.total());
    }

    @Test
    void rejectsStartAndStopOverDifferentPartitions() {
        assertThrows(IllegalArgumentException.class, () -> new OffsetRange(Map.of(A0, 1L), Map.of(A1, 2L)));
    }
}
