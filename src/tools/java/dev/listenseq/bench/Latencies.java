package dev.listenseq.bench;

import java.util.Arrays;

/** Latency samples in milliseconds and their percentiles (nearest rank). Not thread-safe. */
final class Latencies {

    private long[] values = new long[1024];
    private int size;

    void add(long ms) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = ms;
    }

    int count() {
        return size;
    }

    /** The smallest sample with at least q of all samples at or below it; -1 without samples. */
    long percentile(double q) {
        if (q < 0 || q > 1) {
            throw new IllegalArgumentException("q must be within [0, 1]: " + q);
        }
        if (size == 0) {
            return -1;
        }
        Arrays.sort(values, 0, size);
        int rank = (int) Math.ceil(q * size);
        return values[Math.max(0, rank - 1)];
    }

    long max() {
        return percentile(1.0);
    }
}
