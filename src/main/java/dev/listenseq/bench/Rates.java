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

    /** A progress sample: wall-clock time and records read so far. */
    record Sample(long timeMs, long records) {
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
