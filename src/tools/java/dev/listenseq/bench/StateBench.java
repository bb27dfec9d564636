package dev.listenseq.bench;

import dev.listenseq.app.JobParts;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.ConfigException;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.tools.LoadAverage;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code listenseq state-bench}: what a large keyed state costs the job (issue 14 goal 7, by default
 * 1 M users x 100 items). It writes the state in bulk as a canonical savepoint ({@link BulkState}),
 * restores the real job from it in a child JVM ({@link StateBenchWorker}: RocksDB, parallelism 2, as
 * the bench runs the job) and reports, in one table: the savepoint's write time and size; the
 * restore time (job submission until every task is RUNNING, and until the first snapshot); a full
 * checkpoint (the first one after the restore: nothing is shared with an earlier one yet); an
 * incremental one after traffic to a sample of users; the job JVM's resident memory after the
 * restore and at the end; and the restore time from a native-format savepoint of the same state.
 */
public final class StateBench {

    private static final Map<String, String> DEFAULTS = defaults();

    private StateBench() {
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("users", "1000000");
        d.put("items", "100");
        d.put("songs", "1000000");
        d.put("seed", "42");
        d.put("traffic", "100000");
        d.put("sample-users", "100000");
        d.put("parallelism", "2");
        d.put("worker-heap", "2g");
        d.put("state-memory", "1g");
        d.put("native", "true");
        d.put("work-dir", "");
        d.put("keep", "false");
        return d;
    }

    public static int run(List<String> args) throws Exception {
        return run(args, System.out);
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        Map<String, String> opts = new HashMap<>(DEFAULTS);
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i).replaceFirst("^--", "");
            if (!opts.containsKey(name) || i + 1 >= args.size()) {
                throw new ConfigException("state-bench takes --" + String.join(" V, --", DEFAULTS.keySet())
                        + " V; not \"" + args.get(i) + "\"" + (opts.containsKey(name) ? " without a value" : ""));
            }
            opts.put(name, args.get(i + 1));
        }
        int users = positive(opts, "users");
        int items = positive(opts, "items");
        int songs = positive(opts, "songs");
        int traffic = positive(opts, "traffic");
        int sampleUsers = Math.min(users, positive(opts, "sample-users"));
        long seed = Long.parseLong(opts.get("seed"));
        boolean keep = Boolean.parseBoolean(opts.get("keep"));
        Path work = opts.get("work-dir").isEmpty() ? Files.createTempDirectory("lsq-state-bench")
                : Files.createDirectories(Path.of(opts.get("work-dir")));
        long started = System.nanoTime();
        String loadBefore = LoadAverage.now();
        out.printf("state-bench: %,d users x %,d items (%,d events each), %d cores; work folder %s; %s%n",
                users, items, items + items / BulkState.REPEAT_EVERY, Runtime.getRuntime().availableProcessors(),
                work, loadBefore);
        Figures table = new Figures(out);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("job.name", "state-bench");
            keys.put("kafka.bootstrap-servers", kafka.bootstrapServers());
            keys.put("topics.partitions", "4");
            keys.put("parallelism", opts.get("parallelism"));
            keys.put("delivery.guarantee", "at-least-once");
            keys.put("source.starting-offsets", "earliest");
            // Only the checkpoints this bench triggers.
            keys.put("checkpoint.interval", "365d");
            keys.put("checkpoint.timeout", "1h");
            keys.put("checkpoint.dir", work.resolve("checkpoints").toUri().toString());
            keys.put("savepoint.dir", work.resolve("savepoints").toUri().toString());
            keys.put("state.local-dir", work.resolve("rocksdb").toString());
            keys.put("state.memory", opts.get("state-memory"));
            keys.put("state.expire-after", "");
            JobConfig config = JobConfig.from(Settings.of(keys));
            TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));

            BulkState.Spec spec = new BulkState.Spec(users, items, songs, seed, System.currentTimeMillis() - 60_000, 1);
            Path bulk = work.resolve("bulk-savepoint");
            long t0 = System.nanoTime();
            BulkState.write(writerEnvironment(config), config, spec, bulk.toUri().toString());
            double writeSeconds = (System.nanoTime() - t0) / 1e9;
            long bulkBytes = size(bulk);
            out.printf("wrote the savepoint in %.1f s: %,d bytes; %s%n", writeSeconds, bulkBytes, LoadAverage.now());
            table.add("savepoint write", String.format("%.1f s", writeSeconds),
                    "State Processor API, canonical format, RocksDB, parallelism " + config.parallelism());
            table.add("savepoint size", mb(bulkBytes), "on disk");
            deleteTree(work.resolve("rocksdb"));

            Map<String, String> jobKeys = new LinkedHashMap<>(keys);
            jobKeys.put("state.restore-from", bulk.toUri().toString());
            SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                send(producer, config, codec, probe(spec, 0, "probe-canonical"));
                producer.flush();
                Map<String, String[]> lines = new HashMap<>();
                try (Child child = Child.start("full", traffic + 1, jobKeys, opts.get("worker-heap"), work.resolve("job-canonical.log"))) {
                    String[] restored = child.await("RESTORED", lines);
                    String[] first = child.await("FIRST", lines);
                    table.add("restore (canonical savepoint)", ms(restored[1]), "job submitted until every task RUNNING (state restored)");
                    table.add("first snapshot after restore", ms(first[1]), "job submitted until the first snapshot of a waiting event");
                    table.add("job RSS after restore", kbAsMb(restored[2]), "VmRSS of the job JVM (peak so far " + kbAsMb(restored[3]) + ")");
                    String[] full = child.await("CHECKPOINT", lines);
                    table.add("full checkpoint", ms(full[4]), String.format("end to end; %s checkpointed, state %s; longest"
                            + " synchronous phase %s", mb(Long.parseLong(full[3])), mb(Long.parseLong(full[2])), ms(full[5])));
                    child.await("TRAFFIC", lines);
                    t0 = System.nanoTime();
                    sendTraffic(producer, config, codec, spec, traffic, sampleUsers);
                    out.printf("sent %,d events to %,d users in %.1f s%n", traffic, sampleUsers, (System.nanoTime() - t0) / 1e9);
                    String[] applied = child.await("APPLIED", lines);
                    table.add("traffic applied", ms(applied[2]), String.format("%,d events to %,d sampled users, sent and applied",
                            traffic, sampleUsers));
                    String[] incremental = child.await("CHECKPOINT", lines);
                    table.add("incremental checkpoint", ms(incremental[4]), String.format("end to end; %s checkpointed (new"
                                    + " files only), state %s; longest synchronous phase %s",
                            mb(Long.parseLong(incremental[3])), mb(Long.parseLong(incremental[2])), ms(incremental[5])));
                    String[] rss = child.await("RSS", lines);
                    table.add("job RSS at the end", kbAsMb(rss[1]), "VmRSS of the job JVM (peak " + kbAsMb(rss[2]) + ")");
                    if (Boolean.parseBoolean(opts.get("native"))) {
                        String[] nativePoint = child.await("NATIVE", lines);
                        lines.put("native-path", new String[] {nativePoint[1]});
                        table.add("native savepoint", ms(nativePoint[2]), mb(size(Path.of(java.net.URI.create(nativePoint[1]))))
                                + " on disk (RocksDB's own files)");
                    }
                    child.await("DONE", lines);
                }
                if (lines.containsKey("native-path")) {
                    deleteTree(work.resolve("rocksdb"));
                    jobKeys.put("state.restore-from", lines.get("native-path")[0]);
                    send(producer, config, codec, probe(spec, 1, "probe-native"));
                    producer.flush();
                    try (Child child = Child.start("restore", 0, jobKeys, opts.get("worker-heap"), work.resolve("job-native.log"))) {
                        String[] restored = child.await("RESTORED", lines);
                        String[] first = child.await("FIRST", lines);
                        table.add("restore (native savepoint)", ms(restored[1]), "the same state; RocksDB's files are copied, not re-inserted");
                        table.add("first snapshot after native restore", ms(first[1]), "job submitted until the first snapshot");
                        child.await("DONE", lines);
                    }
                }
            }
        } finally {
            if (keep) {
                out.println("kept " + work);
            } else {
                // The state goes; the logs of the job JVMs stay, for a run that failed.
                for (String state : List.of("bulk-savepoint", "checkpoints", "savepoints", "rocksdb", "kafka")) {
                    deleteTree(work.resolve(state));
                }
                out.println("deleted the state in " + work + "; the job JVMs' logs are there (job-*.log)");
            }
        }
        out.println();
        out.print(table);
        out.printf("%nwhole run %.1f min; before: %s; after: %s; measured at %s%n", (System.nanoTime() - started) / 60e9,
                loadBefore, LoadAverage.now(), Instant.now());
        return 0;
    }

    /** A local environment for the bulk write, sized like the job: its parallelism and RocksDB memory. */
    private static StreamExecutionEnvironment writerEnvironment(JobConfig config) {
        Configuration flink = new Configuration();
        flink.set(CoreOptions.DEFAULT_PARALLELISM, config.parallelism());
        flink.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, new MemorySize(config.stateMemoryBytes()));
        return StreamExecutionEnvironment.getExecutionEnvironment(flink);
    }

    /** A new event for a bootstrapped user, so the restored job has something to emit at once. */
    private static ListenEvent probe(BulkState.Spec spec, int user, String id) {
        List<ListenEvent> history = BulkState.events(spec, user);
        return ListenEvent.newBuilder(history.get(history.size() - 1)).setEventId(id)
                .setEventTime(Instant.ofEpochMilli(System.currentTimeMillis())).build();
    }

    /** {@code n} new events (new ids, songs of the catalogue, now) spread over the first {@code sample} users' ids, evenly spaced. */
    private static void sendTraffic(KafkaProducer<byte[], byte[]> producer, JobConfig config, SingleObjectCodec<ListenEvent> codec,
                                    BulkState.Spec spec, int n, int sample) {
        SplittableRandom random = new SplittableRandom(spec.seed() + 1);
        long stride = Math.max(1, spec.users() / sample);
        for (int i = 0; i < n; i++) {
            int user = (int) (random.nextInt(sample) * stride % spec.users());
            int song = random.nextInt(spec.songs());
            send(producer, config, codec, ListenEvent.newBuilder()
                    .setEventId("traffic-" + i)
                    .setUserId(ListeningGenerator.userId(user))
                    .setSongId(ListeningGenerator.songId(song))
                    .setArtistId(String.format("artist-%05d", song % 50_000))
                    .setType(ListenType.PLAY)
                    .setEventTime(Instant.ofEpochMilli(System.currentTimeMillis()))
                    .setPlayedMs(150_000L)
                    .setDurationMs(200_000L)
                    .setContext("radio")
                    .build());
        }
        producer.flush();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, JobConfig config, SingleObjectCodec<ListenEvent> codec,
                             ListenEvent event) {
        producer.send(new ProducerRecord<>(config.topics().input(), ListeningGenerator.keyBytes(event.getUserId()),
                codec.encode(event)));
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("linger.ms", "5");
        props.put("compression.type", "lz4");
        return new KafkaProducer<>(props);
    }

    /** A {@link StateBenchWorker} JVM: its tagged lines, one at a time, in order. */
    private static final class Child implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String[]> messages = new LinkedBlockingQueue<>();
        private final Path log;

        private Child(Process process, Path log) {
            this.process = process;
            this.log = log;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                     var logWriter = Files.newBufferedWriter(log)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith(Worker.TAG + " ")) {
                            messages.add(line.substring(Worker.TAG.length() + 1).split(" "));
                        }
                        logWriter.write(line);
                        logWriter.newLine();
                        logWriter.flush();
                    }
                } catch (IOException e) {
                    // The process ended; await() reports it.
                } finally {
                    messages.add(new String[] {"EXIT"});
                }
            }, "state-bench-child");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(String mode, long expected, Map<String, String> keys, String heap, Path log) throws IOException {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + heap, "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "-Dlistenseq.console-level=ERROR", "-Dlistenseq.log-file=" + log + ".flink.log",
                    "-cp", WorkerProcess.classpathFor(Case.Kind.JOB, System.getProperty("java.class.path")),
                    StateBenchWorker.class.getName(), mode, String.valueOf(expected)));
            keys.forEach((k, v) -> command.add(k + "=" + v));
            return new Child(new ProcessBuilder(command).redirectErrorStream(true).start(), log);
        }

        /** The next message, which must be {@code tag}; waits up to two hours (a 1 M-user restore is slow). */
        String[] await(String tag, Map<String, String[]> seen) throws Exception {
            String[] message = messages.poll(2, TimeUnit.HOURS);
            if (message == null || !message[0].equals(tag)) {
                throw new IllegalStateException("the job JVM " + (message == null ? "said nothing" : "said " + String.join(" ", message))
                        + " while waiting for " + tag + "; see " + log);
            }
            seen.put(tag, message);
            return message;
        }

        @Override
        public void close() throws Exception {
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                process.waitFor(1, TimeUnit.MINUTES);
            }
        }
    }

    /** The figures as a table at the end, and each one on its own line as soon as it is measured (a long run may be cut short). */
    private static final class Figures {
        private final Table table = new Table("figure", "value", "what it is");
        private final PrintStream out;

        Figures(PrintStream out) {
            this.out = out;
        }

        void add(String figure, String value, String what) {
            table.row(figure, value, what);
            out.printf("  %s: %s (%s); %s%n", figure, value, what, LoadAverage.now());
        }

        @Override
        public String toString() {
            return table.toString();
        }
    }

    private static int positive(Map<String, String> opts, String name) {
        try {
            int value = Integer.parseInt(opts.get(name).replace("_", ""));
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new ConfigException("state-bench --" + name + " is \"" + opts.get(name) + "\"; it must be a positive whole"
                + " number (e.g. --" + name + " " + DEFAULTS.get(name) + ")");
    }

    private static String ms(String value) {
        return String.format("%,.1f s", Long.parseLong(value) / 1000.0);
    }

    private static String mb(long bytes) {
        return String.format("%,.1f MB", bytes / 1e6);
    }

    private static String kbAsMb(String kb) {
        return String.format("%,d MB", Long.parseLong(kb) >> 10);
    }

    private static long size(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
