package dev.listenseq.app;

import dev.listenseq.kafka.OffsetRange;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** Progress lines of a backfill: offsets done of total per partition, events/s and time left. Plain logic. */
final class BackfillProgress {

    /** Partitions listed one by one at most; beyond that only the unfinished ones, up to this many. */
    static final int MAX_PARTITIONS_LISTED = 12;

    private final OffsetRange range;
    private final long startNanos;

    BackfillProgress(OffsetRange range, long startNanos) {
        this.range = range;
        this.startNanos = startNanos;
    }

    /** The progress report for the given positions (next offset to read, per partition), at time {@code nowNanos}. */
    String report(Map<TopicPartition, Long> positions, long nowNanos) {
        long total = range.total();
        long done = range.done(positions);
        double seconds = Math.max(1e-3, (nowNanos - startNanos) / 1e9);
        double rate = done / seconds;
        String eta = done == 0 ? "unknown" : done >= total ? "0s" : format(Duration.ofSeconds((long) Math.ceil((total - done) / rate)));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "Backfill %.1f%%: %,d of %,d records, %,.0f records/s, ETA %s",
                total == 0 ? 100.0 : 100.0 * done / total, done, total, rate, eta));
        StringJoiner partitions = new StringJoiner(", ", "\n  ", "");
        int listed = 0;
        boolean all = range.start().size() <= MAX_PARTITIONS_LISTED;
        for (TopicPartition tp : range.start().keySet()) {
            long partitionDone = range.done(tp, positions.get(tp));
            long partitionTotal = range.stop().get(tp) - range.start().get(tp);
            if ((all || partitionDone < partitionTotal) && listed < MAX_PARTITIONS_LISTED) {
                partitions.add(String.format(Locale.ROOT, "%s %,d/%,d", tp, partitionDone, partitionTotal));
                listed++;
            }
        }
        if (listed > 0) {
            out.append(partitions);
        }
        return out.toString();
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02ds", s % 60);
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
    }
}
