package dev.listenseq.app;

import dev.listenseq.kafka.OffsetRange;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackfillProgressTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void reportsShareRateEtaAndEachPartition() {
        TopicPartition p0 = new TopicPartition("in", 0);
        TopicPartition p1 = new TopicPartition("in", 1);
        OffsetRange range = new OffsetRange(Map.of(p0, 0L, p1, 100L), Map.of(p0, 1000L, p1, 1100L));
        BackfillProgress progress = new BackfillProgress(range, 0);
        String report = progress.report(Map.of(p0, 500L, p1, 600L), 10 * SECOND);
        assertEquals("Backfill 50.0%: 1,000 of 2,000 records, 100 records/s, ETA 10s\n  in-0 500/1,000, in-1 500/1,000", report);
        assertTrue(progress.report(Map.of(), SECOND).contains("ETA unknown"));
        assertTrue(progress.report(Map.of(p0, 1000L, p1, 1100L), SECOND).contains("100.0%"));
    }

    @Test
    void withManyPartitionsListsOnlyUnfinishedOnes() {
        Map<TopicPartition, Long> start = new HashMap<>();
        Map<TopicPartition, Long> stop = new HashMap<>();
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (int p = 0; p < 40; p++) {
            TopicPartition tp = new TopicPartition("in", p);
            start.put(tp, 0L);
            stop.put(tp, 10L);
            positions.put(tp, p == 7 ? 4L : 10L);
        }
        String report = new BackfillProgress(new OffsetRange(start, stop), 0).report(positions, SECOND);
        assertTrue(report.endsWith("\n  in-7 4/10"), report);
        assertFalse(report.contains("in-8"), report);
    }

    @Test
    void formatsDurationsForPeople() {
        assertEquals("59s", BackfillProgress.format(Duration.ofSeconds(59)));
        assertEquals("2m05s", BackfillProgress.format(Duration.ofSeconds(125)));
        assertEquals("3h07m", BackfillProgress.format(Duration.ofMinutes(187)));
    }
}
