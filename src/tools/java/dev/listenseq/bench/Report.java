package dev.listenseq.bench;

import dev.listenseq.config.ConfigKey;
import dev.listenseq.config.ConfigKeys;
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
        return render(o, results, latencies, new BenchCommand.Inputs(null, null));
    }

    static String render(BenchOptions o, Map<String, List<BenchCommand.Throughput>> results,
                         Map<String, LatencyProbe.Result> latencies, BenchCommand.Inputs inputs) {
        StringBuilder out = new StringBuilder();
        double passThrough = median(results.get("pass-through"));
        if (results.keySet().stream().anyMatch(BenchCommand.THROUGHPUT_ORDER::contains)) {
            out.append(String.format("Throughput: %,d input records (%,d users), %s, checkpoints every %s, emit.min-interval %s,"
                            + " parallelism %d, %d partitions; median of %d run(s)%n",
                    o.events(), o.users(), o.delivery(), Durations.format(o.checkpointInterval()),
                    Durations.format(o.emitInterval()), o.parallelism(), o.partitions(), o.runs()));
            double passCpu = median(results.get("pass-through"), BenchCommand.Throughput::cpuMicrosPerEvent);
            Table table = new Table("case", "events/s", "÷ pass-through", "CPU µs/event", "CPU ratio", "snapshots/event",
                    "output B/event", "state", "load before → after", "runs (events/s)");
            for (Map.Entry<String, List<BenchCommand.Throughput>> e : results.entrySet()) {
                if (!BenchCommand.THROUGHPUT_ORDER.contains(e.getKey())) {
                    continue;
                }
                List<BenchCommand.Throughput> runs = e.getValue();
                double rate = median(runs);
                double snapshots = median(runs, t -> t.snapshots());
                double outBytes = median(runs, t -> t.outputBytes());
                double state = median(runs, t -> t.stateBytes());
                double cpu = median(runs, BenchCommand.Throughput::cpuMicrosPerEvent);
                table.row(runs.get(0).caseName(), Table.number(rate), Table.ratio(rate / passThrough),
                        String.format("%.1f", cpu), Table.ratio(passCpu / cpu),
                        e.getKey().equals("pass-through") ? "-" : Table.ratio(snapshots / o.events()),
                        String.format("%.0f", outBytes / o.events()), Table.bytes(state), loads(runs), rates(runs));
            }
            out.append(table).append('\n');
        }

        if (inputs.longSequences() != null) {
            out.append(longSequences(inputs.longSequences(), results)).append('\n');
        }
        if (inputs.hot() != null) {
            out.append(hotUser(o, inputs.hot(), results)).append('\n');
        }

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
        goal(goals, "long sequences: max-items 1000 ÷ 100 (rocksdb)", 0.8,
                median(results.get(BenchCommand.LONG_1000)) / median(results.get(BenchCommand.LONG_100)), true);
        goal(goals, "hot user: everyone else's events/s, with ÷ without", 0.8, othersRatio(results), true);
        goal(goals, "max-items 1000 ÷ 100 (rocksdb, default input)", 0.8, median(results.get("job-rocksdb-1000")) / job100, true);
        double heap100 = median(results.get("job-hashmap-100"));
        goal(goals, "max-items 1000 ÷ 100 (hashmap)", 0.8, median(results.get("job-hashmap-1000")) / heap100, true);
        goal(goals, "job ÷ Kafka Streams (rocksdb, max-items 100)", 1.0, job100 / median(results.get("kafka-streams")), true);
        // Issue 14's latency goals: the throttled default within its interval + 250 ms; without the
        // throttle within 250 ms; exactly-once within the checkpoint interval + 1 s (2 s at a 1 s interval).
        // The pass-through's p99 (latency table) is the floor, not a goal.
        long exactlyOnceTarget = o.checkpointInterval().toMillis() + 1_000;
        latencyGoals(goals, "", latencies.get("job at-least-once"), latencies.get("job exactly-once"),
                o.emitInterval().toMillis() + 250, exactlyOnceTarget);
        LatencyProbe.Result unthrottled = latencies.get("job at-least-once, emit.min-interval 0");
        latencyGoals(goals, "  same, emit.min-interval 0: ", unthrottled,
                latencies.get("job exactly-once, emit.min-interval 0"), 250, exactlyOnceTarget);
        goal(goals, "  same: job ÷ Kafka Streams at-least-once p99", 0.5,
                p99(unthrottled) / p99(latencies.get("kafka-streams at-least-once, emit.min-interval 0")), false);
        goal(goals, "exactly-once, checkpoint 1s, emit.min-interval 0: p99 (ms)", 2_000,
                p99(latencies.get("job exactly-once, checkpoint 1s, emit.min-interval 0")), false);
        goal(goals, "events/s at checkpoint 1s ÷ at " + Durations.format(o.checkpointInterval()) + " (rocksdb, max-items 100)",
                0.9, median(results.get("job-rocksdb-100-checkpoint-1s")) / job100, true);
        double backfill = median(results.get("backfill"));
        if (!Double.isNaN(backfill)) {
            goal(goals, "backfill ÷ streaming (rocksdb, max-items 100)", 1.5, backfill / job100, true);
        }
        double atEnd = median(results.get("backfill-at-end"));
        if (!Double.isNaN(atEnd)) {
            goal(goals, "backfill.emit at-end ÷ streaming (rocksdb, max-items 100)", 1.5, atEnd / job100, true);
        }
        out.append(goals);
        return out.toString();
    }

    /** The long-sequences input and its two cases. */
    private static String longSequences(Preloader.Loaded loaded, Map<String, List<BenchCommand.Throughput>> results) {
        StringBuilder out = new StringBuilder(String.format("Long sequences: %,d input records over %,d users; %,d of them"
                        + " (%.0f %%, with %.0f %% of the events) hold at least %,d distinct songs, so max-items 1000 evicts%n",
                loaded.records(), loaded.users(), loaded.usersWithAtLeast(),
                100.0 * loaded.usersWithAtLeast() / Math.max(1, loaded.users()), 100 * loaded.eventShareOfThose(),
                loaded.threshold()));
        Table table = new Table("case", "events/s", "CPU µs/event", "snapshots/event", "state", "load before → after",
                "runs (events/s)");
        for (String key : List.of(BenchCommand.LONG_1000, BenchCommand.LONG_100)) {
            List<BenchCommand.Throughput> runs = results.get(key);
            if (runs != null) {
                table.row(runs.get(0).caseName(), Table.number(median(runs)),
                        String.format("%.1f", median(runs, BenchCommand.Throughput::cpuMicrosPerEvent)),
                        Table.ratio(median(runs, t -> t.snapshots()) / loaded.records()),
                        Table.bytes((long) median(runs, t -> t.stateBytes())), loads(runs), rates(runs));
            }
        }
        out.append(table);
        out.append(String.format("max-items 1000 ÷ 100: %s%n",
                Table.ratio(median(results.get(BenchCommand.LONG_1000)) / median(results.get(BenchCommand.LONG_100)))));
        return out.toString();
    }

    /**
     * Everyone else's events/s with the bot ÷ without it. The bot's records are spread evenly through
     * the topic, so everyone else's rate with the bot is the whole rate times their share of the records.
     */
    static double othersRatio(Map<String, List<BenchCommand.Throughput>> results) {
        List<BenchCommand.Throughput> with = results.get(BenchCommand.HOT_WITH);
        List<BenchCommand.Throughput> without = results.get(BenchCommand.HOT_WITHOUT);
        if (with == null || without == null) {
            return Double.NaN;
        }
        double othersShare = without.get(0).inputRecords() / (double) with.get(0).inputRecords();
        return median(with) * othersShare / median(without);
    }

    /** The hot-user case: both runs, the ratio, and the bot's state against the caps. */
    private static String hotUser(BenchOptions o, Preloader.Loaded loaded, Map<String, List<BenchCommand.Throughput>> results) {
        List<BenchCommand.Throughput> with = results.get(BenchCommand.HOT_WITH);
        List<BenchCommand.Throughput> without = results.get(BenchCommand.HOT_WITHOUT);
        long others = loaded.records() - loaded.botRecords();
        StringBuilder out = new StringBuilder(String.format("Hot user: the same %,d records without and with one user (%s)"
                        + " sending %,d more, %.0f %% of the topic with it; job on RocksDB, parallelism %d%n", others,
                BenchCommand.BOT, loaded.botRecords(), 100.0 * loaded.botRecords() / loaded.records(), o.parallelism()));
        Table table = new Table("case", "events/s", "everyone else's events/s", "CPU µs/event", "load before → after",
                "runs (events/s)");
        for (List<BenchCommand.Throughput> runs : List.of(without, with)) {
            double othersShare = others / (double) runs.get(0).inputRecords();
            table.row(runs.get(0).caseName(), Table.number(median(runs)), Table.number(median(runs) * othersShare),
                    String.format("%.1f", median(runs, BenchCommand.Throughput::cpuMicrosPerEvent)), loads(runs), rates(runs));
        }
        out.append(table);
        out.append(String.format("everyone else's events/s, with ÷ without: %s (the bot's events cost no more than"
                + " others' if this is near %s, the others' share)%n", Table.ratio(othersRatio(results)),
                Table.ratio(others / (double) loaded.records())));
        BenchCommand.Throughput last = with.get(with.size() - 1);
        UserStateProbe.Sizes bot = last.user();
        if (bot == null) {
            out.append("the bot's state was not read (see the case's .log.err)\n");
            return out.toString();
        }
        boolean eventTime = "event-time".equals(o.jobKeys().get(ConfigKeys.ORDERING.name()));
        out.append(String.format("The bot's state after the input (read from a savepoint of the job), run %d:%n", with.size()));
        Table caps = new Table("state", "the bot", "cap", "key");
        caps.row("songs (items)", String.format("%,d", bot.items()), cap(o, ConfigKeys.MAX_ITEMS), ConfigKeys.MAX_ITEMS.name());
        caps.row("seen event ids", String.format("%,d", bot.seenIds()), cap(o, ConfigKeys.DEDUP_MAX_IDS),
                ConfigKeys.DEDUP_MAX_IDS.name());
        caps.row("records waiting for the watermark", String.format("%,d", bot.pending()),
                eventTime ? cap(o, ConfigKeys.MAX_PENDING) : "- (arrival ordering)", ConfigKeys.MAX_PENDING.name());
        caps.row("timers (event time + processing time)", bot.eventTimers() + " + " + bot.processingTimers(), "4", "(fixed)");
        caps.row("events applied (version)", String.format("%,d", bot.version()), "-", "");
        caps.row("late, buffer full (all users)", String.format("%,d", last.latePendingFull()), "-", "eventsLatePendingFull");
        out.append(caps);
        return out.toString();
    }

    private static String cap(BenchOptions o, ConfigKey<?> key) {
        String value = o.jobKeys().getOrDefault(key.name(), key.defaultValue());
        try {
            return String.format("%,d", Long.parseLong(value));
        } catch (NumberFormatException e) {
            return value;
        }
    }

    private static String loads(List<BenchCommand.Throughput> runs) {
        return runs.stream().map(t -> t.loadBefore() + " → " + t.loadAfter()).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static String rates(List<BenchCommand.Throughput> runs) {
        return runs.stream().map(t -> Table.number(t.eventsPerSecond())).reduce((a, b) -> a + " " + b).orElse("");
    }

    private static double p99(LatencyProbe.Result result) {
        return result == null ? Double.NaN : result.latencies().percentile(0.99);
    }

    /** The latency goals of one configuration, for the cases that ran; {@code prefix} names it in the labels. */
    private static void latencyGoals(Table goals, String prefix, LatencyProbe.Result alo, LatencyProbe.Result eos,
                                     long atLeastOnceTarget, long exactlyOnceTarget) {
        if (alo != null) {
            goal(goals, prefix + "at-least-once p99 (ms)", atLeastOnceTarget, alo.latencies().percentile(0.99), false);
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
