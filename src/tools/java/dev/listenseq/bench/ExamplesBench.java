package dev.listenseq.bench;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.app.Main;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.ConfigException;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.sequence.MemoryStores;
import dev.listenseq.sequence.SeenEvents;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.SequenceUpdater;
import dev.listenseq.sequence.SnapshotBuilder;
import dev.listenseq.sequence.Weighting;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code listenseq examples-bench}: examples per second and peak memory of {@code examples} over a
 * history of at least a million events. Generates clean listening on the embedded broker with the
 * snapshot after every event on a history topic (built in process by the job's plain-Java logic, or
 * with {@code --history job} by the real job, bounded: slower), then runs {@code examples} in a
 * child JVM with a small heap, so its peak resident memory is its own and a run that held the
 * history in memory would fail instead of passing slowly.
 */
public final class ExamplesBench {

    private static final Pattern EXAMPLES = Pattern.compile("Wrote ([\\d,]+) examples");

    private ExamplesBench() {
    }

    public static int run(List<String> args) throws Exception {
        return run(args, System.out);
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        Map<String, String> opts = new HashMap<>(Map.of("events", "1000000", "users", "50000", "songs", "20000",
                "heap", "256m", "format", "parquet",
                "history", "direct"));
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i).replaceFirst("^--", "");
            if (!opts.containsKey(name) || i + 1 >= args.size()) {
                throw new ConfigException("examples-bench takes --events N, --users N, --songs N, --heap SIZE and"
                        + " --format parquet|jsonl and --history direct|job; not \"" + args.get(i) + "\"");
            }
            opts.put(name, args.get(i + 1));
        }
        int events = positive(opts, "events");
        int users = positive(opts, "users");
        int songs = positive(opts, "songs");
        Path work = Files.createTempDirectory("lsq-examples-bench");
        out.printf("examples-bench: %,d events of %,d users over %,d songs; examples runs with -Xmx%s (%d cores)%n",
                events, users, songs, opts.get("heap"), Runtime.getRuntime().availableProcessors());
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            Map<String, String> values = new HashMap<>(Map.of(
                    "kafka.bootstrap-servers", kafka.bootstrapServers(),
                    "topics.history", "user-sequence-history",
                    "topics.partitions", "4",
                    "delivery.guarantee", "at-least-once",
                    "emit.min-interval", "0ms",
                    "source.starting-offsets", "earliest",
                    "checkpoint.dir", work.resolve("checkpoints").toUri().toString(),
                    "state.local-dir", work.resolve("rocksdb").toString()));
            JobConfig config = JobConfig.from(Settings.of(values));
            TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
            long t0 = System.nanoTime();
            boolean direct = !opts.get("history").equals("job");
            generate(kafka.bootstrapServers(), config.topics().input(), direct ? "user-sequence-history" : null,
                    events, users, songs);
            out.printf("generated %,d events%s in %.1f s%n", events,
                    direct ? " and their snapshots (the job's logic in this process)" : "", (System.nanoTime() - t0) / 1e9);
            if (!direct) {
                t0 = System.nanoTime();
                StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
                KafkaJob.live(env, config, true);
                env.execute("examples-bench history");
                out.printf("the job wrote the history in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            }

            Path file = work.resolve("examples." + opts.get("format"));
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + opts.get("heap"), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "examples", "--out", file.toString(), "--vocab", work.resolve("vocab.tsv").toString(),
                    "--examples.spill-dir", work.toString(),
                    "--bootstrap-servers", kafka.bootstrapServers(), "--topics.history", "user-sequence-history"));
            Path log = work.resolve("examples.log");
            t0 = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long peakKb = 0;
            while (p.isAlive()) {
                peakKb = Math.max(peakKb, highWaterKb(p.pid()));
                Thread.sleep(100);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            String text = Files.readString(log);
            if (p.exitValue() != 0) {
                out.println(text);
                throw new IllegalStateException("examples failed with exit code " + p.exitValue());
            }
            Matcher m = EXAMPLES.matcher(text);
            long written = m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
            out.println(text.lines().filter(l -> !l.startsWith("  input ") && !l.startsWith("  history ")
                    && !l.startsWith("  join ")).reduce((a, b) -> a + "\n" + b).orElse(""));
            out.printf("examples: %,d in %.1f s = %,.0f examples/s (%,.0f input events/s), peak resident memory %,d MB"
                            + " (heap capped at %s); output %,d bytes; measured at %s%n",
                    written, seconds, written / seconds, events / seconds, peakKb >> 10, opts.get("heap"),
                    Files.size(file), Instant.now());
        } finally {
            deleteTree(work);
        }
        return 0;
    }

    /**
     * Sends the events to the input topic and, when {@code history} is set, a snapshot after every
     * applied event to it, built by the job's own plain-Java logic (SequenceUpdater, SnapshotBuilder)
     * with default settings: the history the job writes with emit.min-interval 0, minutes faster.
     */
    private static void generate(String bootstrap, String topic, String history, int events, int users, int songs) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("linger.ms", "20");
        props.put("batch.size", "262144");
        props.put("compression.type", "lz4");
        AtomicLong clock = new AtomicLong(Instant.parse("2026-09-01T00:00:00Z").toEpochMilli());
        ListeningGenerator generator = new ListeningGenerator(ListeningGenerator.Params.clean(users, songs, 7),
                () -> clock.addAndGet(2_000));
        SequenceUpdater updater = new SequenceUpdater(SequencePolicy.defaults(), Weighting.defaults());
        SnapshotBuilder builder = new SnapshotBuilder(Weighting.defaults());
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        Map<String, UserState> states = new HashMap<>();
        Map<String, MemoryStores.Items> items = new HashMap<>();
        SeenEvents seen = new SeenEvents() {
            @Override
            public boolean contains(String eventId) {
                return false;
            }

            @Override
            public void add(String eventId, long eventTime) {
            }

            @Override
            public void removeOlderThan(long eventTime) {
            }
        };
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < events; i++) {
                ListeningGenerator.Generated g = generator.next();
                byte[] key = ListeningGenerator.keyBytes(g.key());
                producer.send(new ProducerRecord<>(topic, key, g.value()));
                if (history != null) {
                    String user = g.event().getUserId();
                    UserState state = states.computeIfAbsent(user, u -> SequenceUpdater.newUser());
                    MemoryStores.Items store = items.computeIfAbsent(user, u -> new MemoryStores.Items());
                    // Clean traffic has no repeated ids, so no dedup memory is needed here.
                    if (updater.apply(state, store, seen, g.event()) == SequenceUpdater.Outcome.APPLIED) {
                        producer.send(new ProducerRecord<>(history, key,
                                codec.encode(builder.build(user, state, store.entries(), clock.get()))));
                    }
                }
            }
        }
    }

    /** VmHWM of a process from /proc (Linux); 0 where unavailable. */
    private static long highWaterKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // The process ended between the check and the read: keep the last figure.
        }
        return 0;
    }

    private static int positive(Map<String, String> opts, String name) {
        try {
            int v = Integer.parseInt(opts.get(name).replace("_", ""));
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // Reported below with the rule.
        }
        throw new ConfigException("--" + name + " is \"" + opts.get(name) + "\"; it must be a positive integer");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
