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
        assertArrayEquals(new int[] {-1, -1, 0, 0, 2, 2, 3, 4}, PointInTime.choose(labels, asOf, version));
    }

    @Test
    void replayedOldVersionsAndUnsortedInputDoNotChangeTheAnswer() {
        // At-least-once: version 2 again after version 4, the topic order is not the as_of order.
        long[] asOf = {300, 100, 200, 200};
        long[] version = {4, 1, 2, 2};
        long[] labels = {150, 250, 301};
        int[] answer = PointInTime.choose(labels, asOf, version);
        assertEquals(1, answer[0]);
        assertEquals(2L, version[answer[1]]);
        assertEquals(0, answer[2]);
    }

    @Test
    void theSweepAgreesWithTheDefinitionOnRandomHistories() {
        Random random = new Random(11);
        for (int round = 0; round < 500; round++) {
            int n = random.nextInt(12);
            long[] asOf = new long[n];
            long[] version = new long[n];
            for (int i = 0; i < n; i++) {
                asOf[i] = random.nextInt(50);
                version[i] = random.nextInt(30);
            }
            long[] labels = random.longs(random.nextInt(10), 0, 60).sorted().toArray();
            int[] answer = PointInTime.choose(labels, asOf, version);
            for (int k = 0; k < labels.length; k++) {
                long bestVersion = -1;
                for (int i = 0; i < n; i++) {
                    if (asOf[i] < labels[k]) {
                        bestVersion = Math.max(bestVersion, version[i]);
                    }
                }
                if (bestVersion < 0) {
                    assertEquals(-1, answer[k]);
                } else {
                    assertTrue(asOf[answer[k]] < labels[k], "never at or after the label");
                    assertEquals(bestVersion, version[answer[k]]);
                }
            }
        }
    }

    @Test
    void unsortedLabelsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PointInTime.choose(new long[] {5, 4}, new long[0], new long[0]));
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
