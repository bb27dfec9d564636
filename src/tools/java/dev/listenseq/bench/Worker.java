package dev.listenseq.bench;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.flink.JobMetrics;
import dev.listenseq.kafka.KafkaIO;
import dev.listenseq.kafka.OffsetRange;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.pipeline.SequencePipeline;
import dev.listenseq.kstreams.SequenceTopology;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsHistory;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.TaskStateStats;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * One benchmark case in its own JVM, started by {@link BenchCommand}: a fresh heap and JIT per case,
 * and the right RocksDB on the classpath (Flink's frocksdbjni or Kafka Streams' rocksdbjni; they
 * cannot share a JVM). It talks to the harness on stdout with lines starting {@value #TAG}:
 * {@code READY}, {@code P <epoch ms> <records in> <process CPU ns>} every {@value #SAMPLE_MS} ms, and
 * {@code DONE <state bytes> <snapshots> <checkpoint pauses>}, and before it, for the user named by the
 * system property {@value #INSPECT_USER}, {@code USER <version> <items> <seen ids> <parked records>
 * <event-time timers> <processing-time timers> <records late as PENDING_FULL, all users>}. It stops when it has read the
 * expected number of input records (0: when its stdin closes, which is how the harness ends the
 * latency runs).
 *
 * <p>Usage: {@code Worker <job|backfill|pass-through|kafka-streams> <expected records> key=value ...}
 * with job configuration keys.
 */
public final class Worker {

    static final String TAG = "@@";
    static final long SAMPLE_MS = 200;
    /** System property naming a user whose state sizes the worker reports after the input ({@code USER} line). */
    static final String INSPECT_USER = "listenseq.bench.inspect-user";

    private final PrintStream out;
    private final long expected;
    private volatile boolean stdinClosed;

    private Worker(PrintStream out, long expected) {
        this.out = out;
        this.expected = expected;
    }

    /** The job configuration a worker JVM is given: its arguments from {@code first} on, as key=value. */
    static JobConfig configFrom(String[] args, int first) {
        Map<String, String> values = new HashMap<>();
        for (int i = first; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            values.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return JobConfig.from(Settings.of(values));
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        long expected = Long.parseLong(args[1]);
        JobConfig config = configFrom(args, 2);
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        Worker worker = new Worker(System.out, expected);
        worker.watchStdin(System.in);
        if (kind.equals(Case.Kind.KAFKA_STREAMS.id)) {
            worker.runKafkaStreams(config);
        } else {
            worker.runFlink(kind, config);
        }
        System.exit(0);
    }

    private void watchStdin(InputStream in) {
        Thread t = new Thread(() -> {
            try {
                while (in.read() >= 0) {
                    // The harness never writes; EOF means "stop".
                }
            } catch (IOException ignored) {
                // Treated as EOF.
            }
            stdinClosed = true;
        }, "stdin-watch");
        t.setDaemon(true);
        t.start();
    }

    private void say(String line) {
        out.println(TAG + " " + line);
        out.flush();
    }

    private void runFlink(String kind, JobConfig config) throws Exception {
        Configuration flink = FlinkSettings.toFlink(config);
        InProcessMetrics.addTo(flink);
        if (!flink.contains(RestOptions.PORT) && !flink.contains(RestOptions.BIND_PORT)) {
            // Any free port: a fixed 8081 fails the case when anything else on the machine holds it.
            flink.set(RestOptions.BIND_PORT, "0");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        if (kind.equals(Case.Kind.PASS_THROUGH.id)) {
            PassThroughJob.build(env, config);
        } else if (kind.equals(Case.Kind.BACKFILL.id)) {
            // What `backfill` runs: the whole recorded topic as an offset range, ending when done.
            KafkaIO io = KafkaIO.connect(JobParts.kafka(config), JobParts.topics(config));
            OffsetRange range = OffsetRange.resolve(io.kafka(), io.topics(), config.backfill().from(), config.backfill().to());
            KafkaJob.range(env, config, io, range, config.groupId(), true);
        } else {
            KafkaJob.live(env, config, false);
        }
        JobGraph graph = env.getStreamGraph().getJobGraph();
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(flink)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(config.parallelism())
                .build());
        cluster.start();
        try {
            JobID id = cluster.submitJob(graph).get().getJobID();
            boolean sequenceJob = !kind.equals(Case.Kind.PASS_THROUGH.id);
            // A backfill is done when its job finishes: what it emits at the end of its input counts.
            boolean runsToItsEnd = kind.equals(Case.Kind.BACKFILL.id);
            LongSupplier recordsIn = () -> InProcessMetrics.counters(id).recordsIn();
            waitUntil(() -> cluster.getJobStatus(id).get() != JobStatus.CREATED
                    && cluster.getJobStatus(id).get() != JobStatus.INITIALIZING);
            say("READY");
            sample(recordsIn, () -> {
                JobStatus status = cluster.getJobStatus(id).get();
                if (status.isGloballyTerminalState()) {
                    return true;
                }
                JobCounters c = InProcessMetrics.counters(id);
                return !runsToItsEnd && expected > 0 && c.recordsIn() >= expected && (!sequenceJob || c.unaccounted() == 0);
            });
            long stateBytes = -1;
            // Before the final checkpoint below, which comes after the traffic and pauses nothing.
            String pauses = checkpointPauses(cluster.getExecutionGraph(id).get().getCheckpointStatsSnapshot().getHistory());
            JobStatus status = cluster.getJobStatus(id).get();
            if (status == JobStatus.RUNNING) {
                try {
                    cluster.triggerCheckpoint(id).get(2, TimeUnit.MINUTES);
                } catch (Exception e) {
                    // A checkpoint that cannot complete leaves the size unknown; the throughput still counts.
                }
            } else if (status == JobStatus.FAILED) {
                throw new IllegalStateException("the job failed", cluster.requestJobResult(id).get().getSerializedThrowable()
                        .map(t -> (Throwable) t).orElse(null));
            }
            CompletedCheckpointStats latest = cluster.getExecutionGraph(id).get()
                    .getCheckpointStatsSnapshot().getHistory().getLatestCompletedCheckpoint();
            if (latest != null) {
                stateBytes = latest.getStateSize();
            }
            String user = System.getProperty(INSPECT_USER);
            if (user != null && sequenceJob && cluster.getJobStatus(id).get() == JobStatus.RUNNING) {
                try {
                    inspect(cluster, id, graph, config, user);
                } catch (Exception e) {
                    // The throughput stands without the user's state; the harness says it could not be read.
                    e.printStackTrace();
                }
            }
            say("DONE " + stateBytes + " " + InProcessMetrics.counters(id).snapshots() + " " + pauses);
            if (!cluster.getJobStatus(id).get().isGloballyTerminalState()) {
                cluster.cancelJob(id).get(1, TimeUnit.MINUTES);
            }
        } finally {
            cluster.closeAsync().get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * Reports one user's state sizes, read from a canonical savepoint taken now, and the job's count
     * of records its event-time buffers turned away.
     */
    private void inspect(MiniCluster cluster, JobID id, JobGraph graph, JobConfig config, String user) throws Exception {
        Path dir = Path.of(config.stateLocalDir()).resolveSibling("inspect-savepoints");
        String savepoint = cluster.triggerSavepoint(id, dir.toUri().toString(), false, SavepointFormatType.CANONICAL)
                .get(5, TimeUnit.MINUTES);
        UserStateProbe.Sizes sizes = UserStateProbe.read(savepoint,
                UserStateProbe.operatorId(graph, SequencePipeline.SEQUENCE_UID), user);
        say("USER " + sizes.wire() + " " + InProcessMetrics.counters(id).count(JobMetrics.LATE_PENDING_FULL));
    }

    /**
     * Per completed checkpoint still in the history, the longest synchronous phase of any task in ms,
     * comma-separated ("-" for none): how long the checkpoint stopped that task from processing
     * records. For RocksDB this is mostly the flush of the memtables written since the last checkpoint.
     */
    private static String checkpointPauses(CheckpointStatsHistory history) {
        StringBuilder pauses = new StringBuilder();
        for (AbstractCheckpointStats checkpoint : history.getCheckpoints()) {
            if (checkpoint.getStatus() != CheckpointStatsStatus.COMPLETED) {
                continue;
            }
            long longest = 0;
            for (TaskStateStats task : checkpoint.getAllTaskStateStats()) {
                longest = Math.max(longest, task.getSummaryStats().getSyncCheckpointDurationStats().getMaximum());
            }
            pauses.append(pauses.length() == 0 ? "" : ",").append(longest);
        }
        return pauses.length() == 0 ? "-" : pauses.toString();
    }

    private void runKafkaStreams(JobConfig config) throws Exception {
        // The case's state folder (state.local-dir, in the bench's work folder), like the Flink cases' RocksDB.
        Path stateDir = config.stateLocalDir() != null
                ? Files.createDirectories(Path.of(config.stateLocalDir())) : Files.createTempDirectory("lsq-kstreams");
        Properties props = new Properties();
        props.putAll(config.kafkaClientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.jobName());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.delivery() == ConfigKeys.Delivery.EXACTLY_ONCE
                ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
        // Kafka Streams commits (and, exactly-once, makes output visible) every commit interval: the
        // counterpart of the job's checkpoint interval.
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(config.checkpointInterval().toMillis()));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, String.valueOf(config.parallelism()));
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                String.valueOf(config.transactionTimeout().toMillis()));
        SequenceTopology.Counters counters = new SequenceTopology.Counters();
        KafkaStreams streams = new KafkaStreams(SequenceTopology.build(config, counters), props);
        streams.start();
        try {
            waitUntil(() -> streams.state() == KafkaStreams.State.RUNNING || streams.state() == KafkaStreams.State.ERROR);
            say("READY");
            sample(counters.recordsIn::sum, () -> {
                if (streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException("Kafka Streams failed");
                }
                return expected > 0 && counters.recordsIn.sum() >= expected;
            });
        } finally {
            streams.close(Duration.ofMinutes(1));
        }
        say("DONE " + folderSize(stateDir) + " " + counters.snapshots.sum() + " -");
    }

    interface Check {
        boolean done() throws Exception;
    }

    private void waitUntil(Check check) throws Exception {
        while (!check.done()) {
            Thread.sleep(50);
        }
    }

    /** Reports progress until the case is done or stdin closes. */
    private void sample(LongSupplier recordsIn, Check done) throws Exception {
        while (!stdinClosed && !done.done()) {
            progress(recordsIn);
            Thread.sleep(SAMPLE_MS);
        }
        progress(recordsIn);
    }

    private void progress(LongSupplier recordsIn) {
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        say("P " + System.currentTimeMillis() + " " + recordsIn.getAsLong() + " " + cpu);
    }

    private static long folderSize(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
