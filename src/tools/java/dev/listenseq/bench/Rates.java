package dev.listenseq.bench;

import java.util.List;

/**
 * Steady-state throughput from a worker's progress samples: the rate between the moments it had
 * read {@value #FROM} and {@value #TO} of its input, so JVM and job start-up and the drain at the
 * end do not count.
 */
final class Rates {

    static final double FROM = 0.10;
    static final double TO = 0.90;

    /** A progress sample: wall-clock time, records read so far, and the worker JVM's CPU time so far. */
    record Sample(long timeMs, long records, long cpuNanos) {
    }

    private Rates() {
    }

    /** Records per second between FROM and TO of total, interpolated between samples; NaN if unknown. */
    static double steady(List<Sample> samples, long total) {
        double from = timeAt(samples, FROM * total);
        double to = timeAt(samples, TO * total);
        if (Double.isNaN(from) || Double.isNaN(to) || to <= from) {
            return Double.NaN;
        }
        return (TO - FROM) * total / ((to - from) / 1000.0);
    }

    /**
     * Records per second from FROM of total to the last sample: for a run that ends (a backfill),
     * whose work at the end of its input (the final emission) belongs in its rate; NaN if unknown.
     */
    static double toEnd(List<Sample> samples, long total) {
        double from = timeAt(samples, FROM * total);
        if (Double.isNaN(from) || samples.isEmpty() || samples.get(samples.size() - 1).timeMs() <= from) {
            return Double.NaN;
        }
        return (1 - FROM) * total / ((samples.get(samples.size() - 1).timeMs() - from) / 1000.0);
    }

    /** As {@link #cpuMicrosPerRecord}, from FROM of total to the last sample. */
    static double cpuMicrosPerRecordToEnd(List<Sample> samples, long total) {
        double from = cpuAt(samples, FROM * total);
        if (Double.isNaN(from) || samples.isEmpty()) {
            return Double.NaN;
        }
        return (samples.get(samples.size() - 1).cpuNanos() - from) / 1000.0 / ((1 - FROM) * total);
    }

    /**
     * CPU microseconds the worker JVM spent per record between FROM and TO of total: all its
     * threads, so less sensitive to other load on the machine than the rate; NaN if unknown.
     */
    static double cpuMicrosPerRecord(List<Sample> samples, long total) {
        double from = cpuAt(samples, FROM * total);
        double to = cpuAt(samples, TO * total);
        if (Double.isNaN(from) || Double.isNaN(to) || to < from) {
            return Double.NaN;
        }
        return (to - from) / 1000.0 / ((TO - FROM) * total);
    }

    private static double cpuAt(List<Sample> samples, double records) {
        for (int i = 1; i < samples.size(); i++) {
            Sample s = samples.get(i);
            if (s.records() >= records) {
                Sample p = samples.get(i - 1);
                double share = (records - p.records()) / (double) Math.max(1, s.records() - p.records());
                return p.cpuNanos() + Math.max(0, Math.min(1, share)) * (s.cpuNanos() - p.cpuNanos());
            }
        }
        return Double.NaN;
    }

    /** When the records count reached the given value, interpolated linearly; NaN if never. */
    static double timeAt(List<Sample> samples, double records) {
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            if (s.records() >= records) {
                if (i == 0) {
                    return s.timeMs();
                }
                Sample p = samples.get(i - 1);
                double share = (records - p.records()) / (double) (s.records() - p.records());
                return p.timeMs() + share * (s.timeMs() - p.timeMs());
            }
        }
        return Double.NaN;
    }
}
