package dev.listenseq.examples;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PointInTimeTest {

    @Test
    void aSnapshotAtTheLabelsOwnMillisecondIsNotUsable() {
        assertTrue(PointInTime.usable(999, 1000));
        assertFalse(PointInTime.usable(1000, 1000), "as_of == label time may already hold the label event");
        assertFalse(PointInTime.usable(1001, 1000));
    }

    @Test
    void eachLabelGetsTheHighestVersionStrictlyBeforeIt() {
        //            snapshot:   0    1    2    3    4
        long[] asOf = {100, 200, 200, 300, 500};
        long[] version = {1, 2, 3, 4, 5};
        long[] labels = {50, 100, 101, 200, 201, 300, 499, 501};
        assertArrayEquals(new int[] {-1, -1, 0, 0, 2, 2, 3, 4}, PointInTime.choose(labels, asOf, new long[5], version));
    }

    @Test
    void replayedOldVersionsAndUnsortedInputDoNotChangeTheAnswer() {
        // At-least-once: version 2 again after version 4, the topic order is not the as_of order.
        long[] asOf = {300, 100, 200, 200};
        long[] version = {4, 1, 2, 2};
        long[] labels = {150, 250, 301};
        int[] answer = PointInTime.choose(labels, asOf, new long[4], version);
        assertEquals(1, answer[0]);
        assertEquals(2L, version[answer[1]]);
        assertEquals(0, answer[2]);
    }

    @Test
    void aHigherGenerationWinsOverAnyVersionOfAnOlderOne() {
        // A job restarted without state on purpose: generation 1 starts again at version 1.
        //                 snapshot:   0    1    2    3
        long[] asOf = {100, 200, 300, 400};
        long[] generation = {0, 0, 1, 1};
        long[] version = {7, 8, 1, 2};
        long[] labels = {250, 301, 401};
        assertArrayEquals(new int[] {1, 2, 3}, PointInTime.choose(labels, asOf, generation, version));
        // The topic order need not be the lineage order: an old generation's snapshot replayed late loses too.
        long[] replayedAsOf = {300, 100, 350};
        long[] replayedGeneration = {1, 0, 0};
        long[] replayedVersion = {1, 7, 9};
        assertArrayEquals(new int[] {0, 0}, PointInTime.choose(new long[] {301, 400}, replayedAsOf, replayedGeneration,
                replayedVersion));
    }

    @Test
    void theSweepAgreesWithTheDefinitionOnRandomHistories() {
        Random random = new Random(11);
        for (int round = 0; round < 500; round++) {
            int n = random.nextInt(12);
            long[] asOf = new long[n];
            long[] generation = new long[n];
            long[] version = new long[n];
            for (int i = 0; i < n; i++) {
                asOf[i] = random.nextInt(50);
                generation[i] = random.nextInt(3);
                version[i] = random.nextInt(30);
            }
            long[] labels = random.longs(random.nextInt(10), 0, 60).sorted().toArray();
            int[] answer = PointInTime.choose(labels, asOf, generation, version);
            for (int k = 0; k < labels.length; k++) {
                int best = -1;
                for (int i = 0; i < n; i++) {
                    if (asOf[i] < labels[k] && (best < 0 || generation[i] > generation[best]
                            || generation[i] == generation[best] && version[i] > version[best])) {
                        best = i;
                    }
                }
                if (best < 0) {
                    assertEquals(-1, answer[k]);
                } else {
                    assertTrue(asOf[answer[k]] < labels[k], "never at or after the label");
                    assertEquals(generation[best], generation[answer[k]], "the newest lineage");
                    assertEquals(version[best], version[answer[k]], "its highest version");
                }
            }
        }
    }

    @Test
    void unsortedLabelsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PointInTime.choose(new long[] {5, 4}, new long[0], new long[0],
                new long[0]));
    }

    @Test
    void recencyBucketsAreLog2OfMinutes() {
        assertEquals(1, TimeBuckets.bucket(0));
        assertEquals(1, TimeBuckets.bucket(59_999));
        assertEquals(2, TimeBuckets.bucket(60_000));
        assertEquals(3, TimeBuckets.bucket(2 * 60_000));
        assertEquals(3, TimeBuckets.bucket(3 * 60_000 + 59_999));
        assertEquals(4, TimeBuckets.bucket(4 * 60_000));
        assertEquals(12, TimeBuckets.bucket(1024 * 60_000L));
        assertEquals(TimeBuckets.MAX, TimeBuckets.bucket((1L << 20) * 60_000));
        assertEquals(TimeBuckets.MAX, TimeBuckets.bucket(Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> TimeBuckets.bucket(-1));
    }
}
