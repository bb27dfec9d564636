package dev.listenseq.examples;

/**
 * Recency as a small integer for an embedding: log2 buckets of whole minutes between an item's
 * {@code last_time} and the label time. 0 is padding; 1 is under a minute; bucket {@code 2 + k}
 * holds {@code [2^k, 2^(k+1))} minutes; the last bucket, {@link #MAX}, holds everything from
 * 2^20 minutes (about two years) on.
 */
public final class TimeBuckets {

    /** The highest bucket; an embedding table needs {@code MAX + 1} rows. */
    public static final int MAX = 22;

    private TimeBuckets() {
    }

    public static int bucket(long elapsedMs) {
        if (elapsedMs < 0) {
            throw new IllegalArgumentException("elapsed time is negative: " + elapsedMs + " ms");
        }
        long minutes = elapsedMs / 60_000;
        if (minutes == 0) {
            return 1;
        }
        return Math.min(2 + 63 - Long.numberOfLeadingZeros(minutes), MAX);
    }
}
