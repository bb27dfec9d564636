package dev.listenseq.bench;

import dev.listenseq.config.Durations;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The benchmark's printed report: throughput table, latency table, and the goals as ratios. */
final class Report {

    private Report() {
    }

    static double median(List<BenchCommand.Throughput> runs) {
        return median(runs, BenchCommand.Throughput::eventsPerSecond);
    }

    static double median(List<BenchCommand.Throughput> runs, ToDoubleFunction<BenchCommand.Throughput> value) {
        if (runs == null || runs.isEmpty()) {
            return Double.NaN;
        }
        double[] values = runs.stream().mapToDouble(value).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    static String render(BenchOptions o, Map<String, List<BenchCommand.Throughput>> results,
                         Map<String, LatencyProbe.Result> latencies) {
        StringBuilder out = new StringBuilder();
        double passThrough = median(results.get("pass-through"));
        out.append(String.format("Throughput: %,d input records (%,d users), %s, checkpoints every %s, emit.min-interval %s,"
                        + " parallelism %d, %d partitions; median of %d run(s)%n",
                o.events(), o.users(), o.delivery(), Durations.format(o.checkpointInterval()),
                Durations.format(o.emitInterval()), o.parallelism(), o.partitions(), o.runs()));
        double passCpu = median(results.get("pass-through"), BenchCommand.Throughput::cpuMicrosPerEvent);
        Table table = new Table("case", "events/s", "÷ pass-through", "CPU µs/event", "CPU ratio", "snapshots/event",
                "output B/event", "state", "runs (events/s)");
        for (Map.Entry<String, List<BenchCommand.Throughput>> e : results.entrySet()) {
            List<BenchCommand.Throughput> runs = e.getValue();
            double rate = median(runs);
            double snapshots = median(runs, t -> t.snapshots());
            double outBytes = median(runs, t -> t.outputBytes());
            double state = median(runs, t -> t.stateBytes());
            double cpu = median(runs, BenchCommand.Throughput::cpuMicrosPerEvent);
            table.row(runs.get(0).caseName(), Table.number(rate), Table.ratio(rate / passThrough),
                    String.format("%.1f", cpu), Table.ratio(passCpu / cpu),
                    e.getKey().equals("pass-through") ? "-" : Table.ratio(snapshots / o.events()),
                    String.format("%.0f", outBytes / o.events()), Table.bytes(state),
                    runs.stream().map(t -> Table.number(t.eventsPerSecond())).reduce((a, b) -> a + " " + b).orElse(""));
        }
        out.append(table).append('\n');

        if (!latencies.isEmpty()) {
            out.append(String.format("Latency: event sent → snapshot read (read_committed), clean traffic at half the"
                    + " measured rate of the same configuration, emit.min-interval %s, checkpoints every %s%n",
                    Durations.format(o.emitInterval()), Durations.format(o.checkpointInterval())));
            Table lat = new Table("case", "events/s", "p50 ms", "p99 ms", "p999 ms", "max ms", "events", "not seen",
                    "checkpoint pause ms");
            latencies.forEach((name, r) -> lat.row(name, Table.number(r.sentPerSecond()),
                    r.latencies().percentile(0.5), r.latencies().percentile(0.99),
                    r.latencies().percentile(0.999), r.latencies().max(), String.format("%,d", r.counted()),
                    String.format("%,d", r.missing()), pauses(r.checkpointPauses())));
            out.append(lat).append('\n');
        }

        out.append("Goals (ratios from this run)\n");
        Table goals = new Table("goal", "target", "measured", "met");
        double job100 = median(results.get("job-rocksdb-100"));
        goal(goals, "job ÷ pass-through (rocksdb, max-items 100)", 0.5, job100 / passThrough, true);
        goal(goals, "max-items 1000 ÷ 100 (rocksdb)", 0.8, median(results.get("job-rocksdb-1000")) / job100, true);
        double heap100 = median(results.get("job-hashmap-100"));
        goal(goals, "max-items 1000 ÷ 100 (hashmap)", 0.8, median(results.get("job-hashmap-1000")) / heap100, true);
        goal(goals, "job ÷ Kafka Streams (rocksdb, max-items 100)", 1.0, job100 / median(results.get("kafka-streams")), true);
        long exactlyOnceTarget = o.checkpointInterval().toMillis() + 500;
        latencyGoals(goals, "", "at-least-once p99 ÷ pass-through p99", latencies.get("pass-through at-least-once"),
                latencies.get("job at-least-once"), latencies.get("job exactly-once"), exactlyOnceTarget);
        // The same goals without the per-user throttle: how much of the latency is the throttle's wait.
        latencyGoals(goals, "  same, emit.min-interval 0: ", "÷ pass-through p99",
                latencies.get("pass-through at-least-once, same rate"), latencies.get("job at-least-once, emit.min-interval 0"),
                latencies.get("job exactly-once, emit.min-interval 0"), exactlyOnceTarget);
        double backfill = median(results.get("backfill"));
        if (!Double.isNaN(backfill)) {
            goals.row("backfill ÷ streaming (rocksdb, max-items 100)", "report", Table.ratio(backfill / job100), "-");
        }
        out.append(goals);
        return out.toString();
    }

    /** The latency goals of one configuration, for the cases that ran; {@code prefix} names it in the labels. */
    private static void latencyGoals(Table goals, String prefix, String ratioLabel, LatencyProbe.Result passThrough,
                                     LatencyProbe.Result alo, LatencyProbe.Result eos, long exactlyOnceTarget) {
        if (alo != null) {
            long p99 = alo.latencies().percentile(0.99);
            goal(goals, prefix + "at-least-once p99 (ms)", 250, p99, false);
            if (passThrough != null) {
                goal(goals, prefix + ratioLabel, 1.5,
                        p99 / (double) Math.max(1, passThrough.latencies().percentile(0.99)), false);
            }
        }
        if (eos != null) {
            goal(goals, prefix + "exactly-once p99 (ms)", exactlyOnceTarget, eos.latencies().percentile(0.99), false);
        }
    }

    private static void goal(Table goals, String name, double target, double measured, boolean atLeast) {
        if (Double.isNaN(measured)) {
            goals.row(name, (atLeast ? "≥ " : "≤ ") + trim(target), "not run", "-");
            return;
        }
        boolean met = atLeast ? measured >= target : measured <= target;
        goals.row(name, (atLeast ? "≥ " : "≤ ") + trim(target), measured >= 10 ? Table.number(measured) : String.format("%.3f", measured),
                met ? "yes" : "NO");
    }

    /** Checkpoint pauses as "median / max" over the checkpoints, or "-" when none were reported. */
    static String pauses(long[] pauses) {
        if (pauses.length == 0) {
            return "-";
        }
        long[] sorted = pauses.clone();
        Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2] + " / " + sorted[sorted.length - 1];
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
