package dev.listenseq.bench;

import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.kafka.TopicAdmin;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code ./listenseq bench}: throughput, latency and scaling of the job as ratios against a
 * pass-through job and Kafka Streams, measured in one run on one machine (BENCHMARKS.md).
 *
 * <p>It pre-loads an input topic from the generator (fixed seed), then runs each throughput case
 * over that same topic in its own JVM ({@link Worker}), cases alternating when there are several
 * runs, then the latency cases at half the job's measured rate, and prints the tables with the
 * machine's facts and the command. The broker (embedded unless --bootstrap-servers) stays in this
 * JVM; a worker's own log is in the work folder.
 */
public final class BenchCommand {

    static final List<String> THROUGHPUT_ORDER = List.of("pass-through", "job-rocksdb-100",
            "job-rocksdb-100-emit-0", "job-rocksdb-100-checkpoint-1s", "job-rocksdb-1000", "job-hashmap-100", "job-hashmap-1000",
            "kafka-streams", "backfill", "backfill-at-end");

    private final BenchOptions options;
    private final PrintStream out;
    private final Path work;
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    private String bootstrap;

    /** The user id of the hot-user case's bot. */
    static final String BOT = "hot-user-bot";
    /** Songs the bot cycles through: far more than any max-items, so its sequence evicts. */
    static final int BOT_SONGS = 5_000;
    /** What "a long sequence" means for the long-sequences input: distinct songs a user holds. */
    static final int LONG_SEQUENCE = 1_000;
    static final String HOT_WITHOUT = "hot-user-without";
    static final String HOT_WITH = "hot-user-with";
    static final String LONG_1000 = "long-sequences-1000";
    static final String LONG_100 = "long-sequences-100";

    /**
     * One throughput measurement over inputRecords records, with the 1-minute load average before and
     * after it; for a case that inspected a user, that user's state sizes and the records the
     * event-time buffer turned away.
     */
    record Throughput(String caseName, double eventsPerSecond, double cpuMicrosPerEvent, long outputBytes, long stateBytes,
                      long snapshots, long inputRecords, String loadBefore, String loadAfter, UserStateProbe.Sizes user,
                      long latePendingFull) {

        Throughput(String caseName, double eventsPerSecond, double cpuMicrosPerEvent, long outputBytes, long stateBytes,
                   long snapshots) {
            this(caseName, eventsPerSecond, cpuMicrosPerEvent, outputBytes, stateBytes, snapshots, -1, "?", "?", null, -1);
        }
    }

    /** What the preloads of the extra inputs held, for the report; null when the case did not run. */
    record Inputs(Preloader.Loaded hot, Preloader.Loaded longSequences) {
    }

    private BenchCommand(BenchOptions options, PrintStream out, Path work) {
        this.options = options;
        this.out = out;
        this.work = work;
    }

    public static int run(List<String> args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        Path work = options.workDir() != null ? Path.of(options.workDir()) : Files.createTempDirectory("listenseq-bench");
        Files.createDirectories(work);
        // Before the first logger: logs go to a file, the terminal shows the figures.
        System.setProperty("listenseq.console-level", "ERROR");
        System.setProperty("listenseq.log-file", work.resolve("bench.log").toString());
        new BenchCommand(options, System.out, work).run(String.join(" ", args));
        return 0;
    }

    private void run(String argLine) throws Exception {
        String machineBefore = Machine.describe();
        out.println("listening-sequence-builder benchmark   work folder " + work);
        out.println("command: ./listenseq bench" + (argLine.isEmpty() ? "" : " " + argLine));
        out.println(machineBefore);
        EmbeddedKafka kafka = null;
        try {
            if (options.bootstrapServers() != null) {
                bootstrap = options.bootstrapServers();
            } else {
                kafka = EmbeddedKafka.start(work.resolve("kafka"));
                bootstrap = kafka.bootstrapServers();
            }
            // One end for every preload, so the topics with and without the bot hold the same traffic.
            long end = System.currentTimeMillis() - 60_000;
            String input = "bench-" + runId + "-input";
            if (options.cases().stream().anyMatch(c -> THROUGHPUT_ORDER.contains(c) || c.equals("hot-user"))) {
                createTopic(input);
                out.printf("Pre-loading %s: %,d records, %,d users, %,d songs, seed %d ...%n",
                        input, options.events(), options.users(), options.songs(), options.seed());
                Preloader.load(bootstrap, input, params(), options.events(), null, end, LONG_SEQUENCE, out);
            }
            String hotInput = "bench-" + runId + "-hot-input";
            Preloader.Loaded hot = null;
            if (options.cases().contains("hot-user")) {
                createTopic(hotInput);
                out.printf("Pre-loading %s: the same %,d records and one user, %s, sending %,d more (%.0f %% of the topic) ...%n",
                        hotInput, options.events(), BOT, options.hotUserEvents(), 100 * options.hotUserShare());
                hot = Preloader.load(bootstrap, hotInput, params(), options.events(),
                        new Preloader.Bot(BOT, options.hotUserEvents(), BOT_SONGS), end, LONG_SEQUENCE, out);
            }
            String longInput = "bench-" + runId + "-long-input";
            Preloader.Loaded longSequences = null;
            if (options.cases().contains("long-sequences")) {
                createTopic(longInput);
                out.printf("Pre-loading %s: %,d records, %,d users, %,d songs, seed %d ...%n",
                        longInput, options.longEvents(), options.longUsers(), options.longSongs(), options.seed());
                longSequences = Preloader.load(bootstrap, longInput, longParams(), options.longEvents(), null, end,
                        LONG_SEQUENCE, out);
                out.printf("  %,d of %,d users hold at least %,d distinct songs, with %.0f %% of the events%n",
                        longSequences.usersWithAtLeast(), longSequences.users(), LONG_SEQUENCE,
                        100 * longSequences.eventShareOfThose());
            }

            Map<String, List<Throughput>> results = new LinkedHashMap<>();
            for (int run = 1; run <= options.runs(); run++) {
                for (String name : THROUGHPUT_ORDER) {
                    if (options.cases().contains(name)) {
                        Throughput t = throughput(caseNamed(name), input, options.events(), run, null);
                        results.computeIfAbsent(name, k -> new ArrayList<>()).add(t);
                    }
                }
                if (hot != null) {
                    // The product's caps (unless set by flags): the bot is to be held by what production runs with.
                    Map<String, String> rocksdb = Map.of("state.backend", "rocksdb");
                    results.computeIfAbsent(HOT_WITHOUT, k -> new ArrayList<>()).add(throughput(
                            new Case("hot user: without the bot", Case.Kind.JOB, rocksdb), input, options.events(), run, null));
                    results.computeIfAbsent(HOT_WITH, k -> new ArrayList<>()).add(throughput(
                            new Case("hot user: with the bot", Case.Kind.JOB, rocksdb), hotInput, hot.records(), run, BOT));
                }
                if (longSequences != null) {
                    results.computeIfAbsent(LONG_1000, k -> new ArrayList<>()).add(throughput(
                            longCase(1000), longInput, options.longEvents(), run, null));
                    results.computeIfAbsent(LONG_100, k -> new ArrayList<>()).add(throughput(
                            longCase(100), longInput, options.longEvents(), run, null));
                }
            }
            Map<String, LatencyProbe.Result> latencies = new LinkedHashMap<>();
            if (options.cases().contains("latency")) {
                int rate = latencyRate(results, "job-rocksdb-100");
                latencies.put("pass-through at-least-once", latency("pass-through", Case.Kind.PASS_THROUGH, "at-least-once", rate));
                latencies.put("job at-least-once", latency("job-alo", Case.Kind.JOB, "at-least-once", rate));
                latencies.put("job exactly-once", latency("job-eos", Case.Kind.JOB, "exactly-once", rate));
                // The same job without the per-user throttle: what the pipeline adds, apart from the throttle's wait.
                // Emitting every change costs more per event, so its own maximum rate sets its 50 %.
                int everyChange = latencyRate(results, "job-rocksdb-100-emit-0");
                latencies.put("pass-through at-least-once, same rate",
                        latency("pass-through-2", Case.Kind.PASS_THROUGH, "at-least-once", everyChange));
                latencies.put("job at-least-once, emit.min-interval 0", latency("job-alo-unthrottled", Case.Kind.JOB,
                        "at-least-once", everyChange, Map.of("emit.min-interval", "0ms")));
                latencies.put("job exactly-once, emit.min-interval 0", latency("job-eos-unthrottled", Case.Kind.JOB,
                        "exactly-once", everyChange, Map.of("emit.min-interval", "0ms")));
                latencies.put("job exactly-once, checkpoint 1s, emit.min-interval 0", latency("job-eos-1s", Case.Kind.JOB,
                        "exactly-once", everyChange, Map.of("emit.min-interval", "0ms", "checkpoint.interval", "1s")));
                // The latency peer (issue 14 goal 3): Kafka Streams on the same traffic, also emitting every change.
                latencies.put("kafka-streams at-least-once, emit.min-interval 0", latency("kafka-streams-alo-unthrottled",
                        Case.Kind.KAFKA_STREAMS, "at-least-once", everyChange, Map.of("emit.min-interval", "0ms")));
            }
            out.println();
            out.print(Report.render(options, results, latencies, new Inputs(hot, longSequences)));
            out.println("command: ./listenseq bench" + (argLine.isEmpty() ? "" : " " + argLine));
            out.println(machineBefore);
            out.println("after:   " + Machine.load());
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    private ListeningGenerator.Params params() {
        return new ListeningGenerator.Params(options.users(), options.songs(), options.seed(), 0.01, 0.02, 0.005);
    }

    /** Users hold long sequences: few users, many events each, over a large catalogue. */
    private ListeningGenerator.Params longParams() {
        return new ListeningGenerator.Params(options.longUsers(), options.longSongs(), options.seed(), 0.01, 0.02, 0.005);
    }

    static Case longCase(int maxItems) {
        return new Case("long sequences, max-items " + maxItems, Case.Kind.JOB,
                Map.of("state.backend", "rocksdb", "sequence.max-items", String.valueOf(maxItems)));
    }

    static Case caseNamed(String name) {
        switch (name) {
            case "pass-through":
                return new Case("pass-through", Case.Kind.PASS_THROUGH, Map.of());
            case "kafka-streams":
                return new Case("kafka-streams", Case.Kind.KAFKA_STREAMS, Map.of("sequence.max-items", "100"));
            case "backfill":
                return new Case("backfill", Case.Kind.BACKFILL, Map.of("sequence.max-items", "100"));
            case "backfill-at-end":
                return new Case("backfill, backfill.emit at-end", Case.Kind.BACKFILL,
                        Map.of("sequence.max-items", "100", "backfill.emit", "at-end"));
            case "job-rocksdb-100-checkpoint-1s":
                // Issue 14 goal 5: what a 1 s checkpoint interval (exactly-once output every second) costs.
                return new Case("job rocksdb max-items 100, checkpoint 1s", Case.Kind.JOB,
                        Map.of("state.backend", "rocksdb", "sequence.max-items", "100", "checkpoint.interval", "1s"));
            default:
                String[] parts = name.split("-");
                return name.endsWith("-emit-0") ? Case.jobEveryChange(parts[1], Integer.parseInt(parts[2]))
                        : Case.job(parts[1], Integer.parseInt(parts[2]));
        }
    }

    private Throughput throughput(Case c, String input, long records, int run, String inspectUser) throws Exception {
        String slug = c.slug() + "-" + run;
        Map<String, String> keys = jobKeys(slug, input, options.delivery());
        keys.putAll(c.keys());
        String loadBefore = Machine.oneMinuteLoad();
        out.printf("%s (run %d): reading %,d records, load average %s ...%n", c.name(), run, records, loadBefore);
        long began = System.nanoTime();
        try (WorkerProcess worker = WorkerProcess.start(c.kind(), records, keys, options.workerHeap(),
                options.jfr(), work.resolve(slug + ".log"), inspectUser)) {
            worker.awaitReady(300);
            if (!worker.awaitExit(TimeUnit.HOURS.toSeconds(2))) {
                throw new IllegalStateException(c.name() + " failed; see " + work.resolve(slug + ".log") + "(.err, .flink.log)");
            }
            boolean toEnd = c.kind() == Case.Kind.BACKFILL;
            double rate = toEnd ? Rates.toEnd(worker.samples(), records) : Rates.steady(worker.samples(), records);
            double cpu = toEnd ? Rates.cpuMicrosPerRecordToEnd(worker.samples(), records)
                    : Rates.cpuMicrosPerRecord(worker.samples(), records);
            long outputBytes = topicBytes(keys.get("topics.output"));
            deleteTopics(keys);
            String loadAfter = Machine.oneMinuteLoad();
            out.printf("  %s events/s, %.1f CPU µs/event, %s output, state %s, %,d snapshots (%.0f s), load average %s%n",
                    Table.number(rate), cpu, Table.bytes(outputBytes), Table.bytes(worker.stateBytes()), worker.snapshots(),
                    (System.nanoTime() - began) / 1e9, loadAfter);
            if (inspectUser != null && worker.user() == null) {
                out.printf("  %s's state could not be read; see %s%n", inspectUser, work.resolve(slug + ".log.err"));
            }
            return new Throughput(c.name(), rate, cpu, outputBytes, worker.stateBytes(), worker.snapshots(), records,
                    loadBefore, loadAfter, worker.user(), worker.latePendingFull());
        }
    }

    /** Half the measured rate of {@code caseName}, unless --latency-rate sets one. */
    private int latencyRate(Map<String, List<Throughput>> results, String caseName) {
        if (options.latencyRate() > 0) {
            return options.latencyRate();
        }
        List<Throughput> job = results.get(caseName);
        if (job == null) {
            out.println("latency: no " + caseName + " run to take half of; sending 1,000 events/s (set --latency-rate)");
            return 1000;
        }
        return (int) Math.max(1, Report.median(job) / 2);
    }

    private LatencyProbe.Result latency(String name, Case.Kind kind, String delivery, int rate) throws Exception {
        return latency(name, kind, delivery, rate, Map.of());
    }

    private LatencyProbe.Result latency(String name, Case.Kind kind, String delivery, int rate, Map<String, String> extra)
            throws Exception {
        String slug = "latency-" + name;
        Map<String, String> keys = jobKeys(slug, "bench-" + runId + "-" + slug + "-input", delivery);
        keys.put("sequence.max-items", "100");
        keys.putAll(extra);
        createTopic(keys.get("topics.input"));
        createTopic(keys.get("topics.output"));
        out.printf("latency, %s %s: %,d events/s for %s after a warm-up ...%n", name, delivery, rate,
                dev.listenseq.config.Durations.format(options.latencyDuration()));
        try (WorkerProcess worker = WorkerProcess.start(kind, 0, keys, options.workerHeap(), options.jfr(), work.resolve(slug + ".log"))) {
            worker.awaitReady(300);
            Thread.sleep(3_000);
            LatencyProbe probe = new LatencyProbe(bootstrap, keys.get("topics.input"), keys.get("topics.output"),
                    kind == Case.Kind.PASS_THROUGH);
            Duration drain = Duration.ofSeconds(3).plus(delivery.equals("exactly-once") ? options.checkpointInterval() : Duration.ZERO);
            LatencyProbe.Result result = probe.run(
                    new ListeningGenerator(ListeningGenerator.Params.clean(options.users(), options.songs(), options.seed() + 1),
                            System::currentTimeMillis),
                    rate, Duration.ofSeconds(10), options.latencyDuration(), drain);
            worker.stop(120);
            deleteTopics(keys);
            result = result.withCheckpointPauses(worker.checkpointPauses());
            Latencies l = result.latencies();
            out.printf("  p50 %d ms  p99 %d ms  p999 %d ms  (%,d events, %,d not seen; checkpoint pauses %s ms)%n",
                    l.percentile(0.5), l.percentile(0.99), l.percentile(0.999), result.counted(), result.missing(),
                    Report.pauses(result.checkpointPauses()));
            return result;
        }
    }

    /** The job keys every case shares; each case has its own topics, group and state folders. */
    private Map<String, String> jobKeys(String slug, String input, String delivery) {
        Path dir = work.resolve(slug);
        String name = "bench-" + runId + "-" + slug;
        Map<String, String> keys = new HashMap<>();
        keys.put("job.name", name);
        keys.put("kafka.bootstrap-servers", bootstrap);
        keys.put("topics.input", input);
        keys.put("topics.output", name + "-out");
        keys.put("topics.dlq", name + "-dlq");
        keys.put("topics.late", name + "-late");
        keys.put("topics.partitions", String.valueOf(options.partitions()));
        keys.put("parallelism", String.valueOf(options.parallelism()));
        keys.put("delivery.guarantee", delivery);
        keys.put("delivery.transaction-timeout", "10m");
        keys.put("checkpoint.interval", dev.listenseq.config.Durations.format(options.checkpointInterval()));
        keys.put("checkpoint.dir", dir.resolve("checkpoints").toUri().toString());
        keys.put("savepoint.dir", dir.resolve("savepoints").toUri().toString());
        keys.put("state.local-dir", dir.resolve("rocksdb").toString());
        keys.put("source.starting-offsets", "earliest");
        keys.put("emit.min-interval", dev.listenseq.config.Durations.format(options.emitInterval()));
        keys.putAll(options.jobKeys());
        return keys;
    }

    private Admin admin() {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        options.jobKeys().forEach((k, v) -> {
            if (k.startsWith("kafka.client.")) {
                props.put(k.substring("kafka.client.".length()), v);
            }
        });
        return Admin.create(props);
    }

    private void createTopic(String topic) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, options.partitions(), (short) -1))).all().get(1, TimeUnit.MINUTES);
            // A producer that starts before the partitions have leaders can lose its first batches for good.
            TopicAdmin.awaitServed(admin, List.of(topic));
        }
    }

    private void deleteTopics(Map<String, String> keys) throws Exception {
        try (Admin admin = admin()) {
            List<String> topics = List.of(keys.get("topics.output"), keys.get("topics.dlq"), keys.get("topics.late"));
            Set<String> existing = admin.listTopics().names().get(1, TimeUnit.MINUTES);
            admin.deleteTopics(topics.stream().filter(existing::contains).collect(Collectors.toList()))
                    .all().get(1, TimeUnit.MINUTES);
        }
    }

    /** Bytes of a topic's log on the brokers (compressed batches, one replica per partition). */
    private long topicBytes(String topic) throws Exception {
        try (Admin admin = admin()) {
            List<Integer> brokers = admin.describeCluster().nodes().get(1, TimeUnit.MINUTES).stream()
                    .map(Node::id).collect(Collectors.toList());
            Map<TopicPartition, Long> largest = new HashMap<>();
            for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions()
                    .get(1, TimeUnit.MINUTES).values()) {
                for (LogDirDescription dir : dirs.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> e : dir.replicaInfos().entrySet()) {
                        if (e.getKey().topic().equals(topic)) {
                            largest.merge(e.getKey(), e.getValue().size(), Math::max);
                        }
                    }
                }
            }
            return largest.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Facts about this machine, printed with the figures. */
    static final class Machine {
        private Machine() {
        }

        static String describe() {
            Runtime rt = Runtime.getRuntime();
            return String.format("machine: %d cores (%s), %s memory, %s %s, Java %s (%s); %s%nat %s UTC",
                    rt.availableProcessors(), cpuModel(), memory(), System.getProperty("os.name"),
                    System.getProperty("os.arch"), System.getProperty("java.version"), System.getProperty("java.vm.name"),
                    "before: " + load(), Instant.now().toString().substring(0, 19).replace('T', ' '));
        }

        /** The 1-minute load average, "?" when unknown. */
        static String oneMinuteLoad() {
            try {
                return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
            } catch (IOException e) {
                return "?";
            }
        }

        static String load() {
            try {
                String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
                return "load average " + parts[0] + " " + parts[1] + " " + parts[2];
            } catch (IOException e) {
                return "load average unknown";
            }
        }

        private static String cpuModel() {
            try {
                return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                        .filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
            } catch (IOException e) {
                return "unknown CPU";
            }
        }

        private static String memory() {
            try {
                return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                        .filter(l -> l.startsWith("MemTotal")).findFirst()
                        .map(l -> Table.bytes(Long.parseLong(l.replaceAll("\\D", "")) * 1024)).orElse("unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
