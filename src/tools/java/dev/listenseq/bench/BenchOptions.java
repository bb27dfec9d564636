package dev.listenseq.bench;

import dev.listenseq.config.ConfigException;
import dev.listenseq.config.ConfigKey;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flags of {@code ./listenseq bench} (documented in BENCHMARKS.md and {@code ./listenseq help}).
 * Any job key ({@code --sequence.recent-events 10}, {@code --flink.pipeline.object-reuse true},
 * {@code --kafka.client.*}) is passed to every case.
 */
record BenchOptions(
        long events,
        int users,
        int songs,
        long seed,
        int runs,
        int partitions,
        int parallelism,
        Duration checkpointInterval,
        Duration emitInterval,
        String delivery,
        List<String> cases,
        Duration latencyDuration,
        int latencyRate,
        String workerHeap,
        String bootstrapServers,
        String workDir,
        boolean jfr,
        double hotUserShare,
        int longUsers,
        long longEvents,
        int longSongs,
        Map<String, String> jobKeys) {

    static final List<String> ALL_CASES = List.of("pass-through", "job-rocksdb-100", "job-rocksdb-100-emit-0",
            "job-rocksdb-100-checkpoint-1s", "job-rocksdb-1000", "job-hashmap-100", "job-hashmap-1000", "kafka-streams", "backfill",
            "backfill-at-end", "hot-user", "long-sequences", "latency");

    static BenchOptions parse(List<String> args) {
        Map<String, String> flags = new LinkedHashMap<>();
        Map<String, String> jobKeys = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || i + 1 >= args.size()) {
                throw new ConfigException(List.of("bench arguments come as --flag value pairs; \"" + arg
                        + "\" has no value (./listenseq help lists the flags)"));
            }
            String name = arg.substring(2);
            String value = args.get(++i);
            if (isJobKey(name)) {
                jobKeys.put(name, value);
            } else {
                flags.put(name, value);
            }
        }
        List<String> problems = new ArrayList<>();
        BenchOptions options = new BenchOptions(
                positiveLong(flags, "events", 600_000, problems),
                (int) positiveLong(flags, "users", 100_000, problems),
                (int) positiveLong(flags, "songs", 100_000, problems),
                Long.parseLong(flags.getOrDefault("seed", "42")),
                (int) positiveLong(flags, "runs", 1, problems),
                (int) positiveLong(flags, "partitions", 4, problems),
                (int) positiveLong(flags, "parallelism", 2, problems),
                duration(flags, "checkpoint-interval", "10s", problems),
                duration(flags, "emit-interval", "1s", problems),
                flags.getOrDefault("delivery", "exactly-once"),
                cases(flags.getOrDefault("cases", String.join(",", ALL_CASES)), problems),
                duration(flags, "latency-duration", "20s", problems),
                (int) nonNegativeLong(flags, "latency-rate", 0, problems),
                flags.getOrDefault("worker-heap", "2g"),
                flags.get("bootstrap-servers"),
                flags.get("work-dir"),
                bool(flags, "jfr", problems),
                share(flags, "hot-user-share", 0.1, problems),
                (int) positiveLong(flags, "long-users", 100, problems),
                positiveLong(flags, "long-events", 1_000_000, problems),
                (int) positiveLong(flags, "long-songs", 1_000_000, problems),
                jobKeys);
        flags.keySet().removeAll(List.of("events", "users", "songs", "seed", "runs", "partitions", "parallelism",
                "checkpoint-interval", "emit-interval", "delivery", "cases", "latency-duration", "latency-rate",
                "worker-heap", "bootstrap-servers", "work-dir", "jfr", "hot-user-share", "long-users", "long-events",
                "long-songs"));
        for (String unknown : flags.keySet()) {
            problems.add("--" + unknown + " is not a bench flag nor a job key (./listenseq help lists them)");
        }
        if (!List.of("exactly-once", "at-least-once").contains(options.delivery())) {
            problems.add("--delivery is \"" + options.delivery() + "\"; it must be exactly-once or at-least-once");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return options;
    }

    private static boolean isJobKey(String name) {
        if (name.startsWith(ConfigKeys.FLINK_PREFIX) || name.startsWith(ConfigKeys.KAFKA_CLIENT_PREFIX)) {
            return true;
        }
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static long positiveLong(Map<String, String> flags, String name, long def, List<String> problems) {
        long value = nonNegativeLong(flags, name, def, problems);
        if (value == 0) {
            problems.add("--" + name + " must be positive");
        }
        return value;
    }

    private static long nonNegativeLong(Map<String, String> flags, String name, long def, List<String> problems) {
        String text = flags.getOrDefault(name, String.valueOf(def)).replace("_", "").replace(",", "");
        try {
            long value = Long.parseLong(text);
            if (value < 0 || value > Integer.MAX_VALUE && !name.equals("events") && !name.equals("long-events")) {
                problems.add("--" + name + " is \"" + text + "\"; it must be from 0 to " + Integer.MAX_VALUE);
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add("--" + name + " is \"" + text + "\"; it must be a whole number");
            return def;
        }
    }

    /** The bot's events: hotUserShare of the input with the bot, on top of --events (see BENCHMARKS.md). */
    long hotUserEvents() {
        return Math.round(events * hotUserShare / (1 - hotUserShare));
    }

    private static double share(Map<String, String> flags, String name, double def, List<String> problems) {
        String text = flags.getOrDefault(name, String.valueOf(def));
        try {
            double value = Double.parseDouble(text);
            if (!(value > 0 && value < 1)) {
                problems.add("--" + name + " is \"" + text + "\"; it must be a share above 0 and below 1, e.g. 0.1");
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add("--" + name + " is \"" + text + "\"; it must be a number above 0 and below 1, e.g. 0.1");
            return def;
        }
    }

    private static boolean bool(Map<String, String> flags, String name, List<String> problems) {
        String text = flags.getOrDefault(name, "false");
        if (!text.equals("true") && !text.equals("false")) {
            problems.add("--" + name + " is \"" + text + "\"; it must be true or false");
        }
        return text.equals("true");
    }

    private static Duration duration(Map<String, String> flags, String name, String def, List<String> problems) {
        String text = flags.getOrDefault(name, def);
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            problems.add("--" + name + " is \"" + text + "\"; " + e.getMessage());
            return Durations.parse(def);
        }
    }

    private static List<String> cases(String text, List<String> problems) {
        List<String> cases = new ArrayList<>();
        for (String c : text.split(",")) {
            String name = c.trim();
            if (!ALL_CASES.contains(name)) {
                problems.add("--cases names \"" + name + "\"; the cases are " + String.join(", ", ALL_CASES));
            } else {
                cases.add(name);
            }
        }
        return cases;
    }
}
