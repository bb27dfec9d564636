package dev.listenseq.it;

import dev.listenseq.app.JobParts;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.cluster.LocalFlinkCluster;
import dev.listenseq.cluster.OutputWatcher;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.kafka.TopicAdmin;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job jar on a real multi-process Flink cluster: a JobManager and two TaskManagers as separate
 * JVMs, the shaded jar submitted through the REST API, live traffic, and one TaskManager killed with
 * {@code kill -9} mid-run and replaced. The job must recover from its last checkpoint with
 * exactly-once output: every user's versions 1..n with no gap or repeat (read_committed), final
 * snapshots equal to a failure-free replay, and input = applied + duplicates + late + dead-lettered.
 * Prints the recovery time (kill to the first committed snapshot emitted after it).
 */
class ClusterFailoverIT extends BrokerTest {

    private static final Path JOB_JAR = Path.of("target", "listenseq-job.jar");
    private static final int EVENTS_PER_SECOND = 150;
    private static final long DAY = 86_400_000L;
    private static final Pattern PROMETHEUS_LINE = Pattern.compile(
            "^flink_taskmanager_job_task_operator_listenseq_(\\w+)\\{(.*)} (\\S+)$", Pattern.MULTILINE);

    private static final Pattern METRIC_NAME = Pattern.compile("^(flink_\\w+)[{ ]", Pattern.MULTILINE);

    private static LocalFlinkCluster cluster;

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Generated traffic, sent at a steady rate from its own thread; remembers every record. */
    private static final class Traffic implements AutoCloseable {
        final List<ListeningGenerator.Generated> sent = Collections.synchronizedList(new ArrayList<>());
        final List<ListenEvent> lateSent = Collections.synchronizedList(new ArrayList<>());
        final Thread thread;
        volatile boolean running = true;
        volatile Exception failure;

        Traffic(String topic) {
            AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 10 * DAY);
            ListeningGenerator generator = new ListeningGenerator(
                    new ListeningGenerator.Params(200, 2_000, 11, 0.02, 0.02, 0.01), () -> clock.addAndGet(15_000));
            SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
            thread = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(TestKafka.producerProps(kafka))) {
                    long start = System.nanoTime();
                    long count = 0;
                    while (running) {
                        long due = (System.nanoTime() - start) / 1_000_000L * EVENTS_PER_SECOND / 1_000L;
                        if (count >= due) {
                            Thread.sleep(2);
                            continue;
                        }
                        ListeningGenerator.Generated g = generator.next();
                        producer.send(new ProducerRecord<>(topic, ListeningGenerator.keyBytes(g.key()), g.value()));
                        sent.add(g);
                        count++;
                        if (count % 400 == 0 && g.kind() == ListeningGenerator.Kind.EVENT) {
                            // After the user's own event in the same partition: far beyond the 90-day horizon.
                            ListenEvent late = ListenEvent.newBuilder(g.event())
                                    .setEventId("late-" + count)
                                    .setEventTime(g.event().getEventTime().minusMillis(100 * DAY))
                                    .build();
                            producer.send(new ProducerRecord<>(topic, ListeningGenerator.keyBytes(g.key()), codec.encode(late)));
                            lateSent.add(late);
                        }
                    }
                    producer.flush();
                } catch (Exception e) {
                    failure = e;
                }
            }, "cluster-it-traffic");
        }

        void start() {
            thread.start();
        }

        @Override
        public void close() throws Exception {
            running = false;
            thread.join(30_000);
            if (failure != null) {
                throw failure;
            }
        }

        long count(ListeningGenerator.Kind kind) {
            synchronized (sent) {
                return sent.stream().filter(g -> g.kind() == kind).count();
            }
        }
    }

    @Test
    void aTaskManagerKilledMidRunLosesAndRepeatsNothing() throws Exception {
        assertTrue(Files.isRegularFile(JOB_JAR), JOB_JAR + " is built by `mvn package`");
        Path dir = Files.createTempDirectory("lsq-cluster");
        String input = "cl-in";
        String output = "cl-out";
        List<String> jobArgs = List.of(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--job.name", "cluster-failover-it",
                "--topics.input", input, "--topics.output", output,
                "--topics.dlq", "cl-dlq", "--topics.late", "cl-late",
                "--topics.partitions", "4",
                "--parallelism", "2",
                "--checkpoint.interval", "1s",
                "--delivery.transaction-timeout", "2m",
                "--emit.min-interval", "0ms",
                "--source.starting-offsets", "earliest",
                "--checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "--savepoint.dir", dir.resolve("savepoints").toUri().toString());
        // The job file is the one bundled in the jar; this copy gives the replay the same settings.
        JobConfig config = JobConfig.from(Settings.load("streaming", jobArgs));

        // Made here (the job would make them the same way) so that traffic can start with the job.
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));

        long t0 = System.nanoTime();
        cluster = LocalFlinkCluster.start(dir.resolve("flink"),
                Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator)), 2, Map.of());
        System.out.printf("cluster: JobManager pid %d, TaskManagers %s, web UI %s, up in %.1f s%n",
                cluster.jobManager().pid(), cluster.taskManagers().stream().map(LocalFlinkCluster.Node::pid).toList(),
                cluster.restUrl(), (System.nanoTime() - t0) / 1e9);

        List<String> programArgs = new ArrayList<>(List.of("stream"));
        programArgs.addAll(jobArgs);
        String jobId = cluster.submit(JOB_JAR, "dev.listenseq.app.Main", programArgs);

        try (Traffic traffic = new Traffic(input); OutputWatcher watcher = new OutputWatcher(kafka.bootstrapServers(), output)) {
            traffic.start();
            awaitTrue(Duration.ofMinutes(2), "the job runs with checkpoints",
                    () -> cluster.jobState(jobId).equals("RUNNING") && cluster.completedCheckpoints(jobId) >= 2);
            System.out.printf("job %s running with checkpoints %.1f s after start%n", jobId, (System.nanoTime() - t0) / 1e9);
            awaitTrue(Duration.ofMinutes(2), "output flowing", () -> watcher.received() > 500);
            long checkpointsBeforeKill = cluster.completedCheckpoints(jobId);

            LocalFlinkCluster.Node victim = cluster.taskManagers().get(0);
            long killedAt = System.currentTimeMillis();
            watcher.watchFor(killedAt);
            cluster.killTaskManager(victim);
            LocalFlinkCluster.Node replacement = cluster.startTaskManager();
            System.out.printf("kill -9 %d (%s) after %d completed checkpoints; replacement %s pid %d started%n",
                    victim.pid(), victim.name(), checkpointsBeforeKill, replacement.name(), replacement.pid());

            long[] runningAgainAt = {0};
            boolean[] sawRestart = {false};
            awaitTrue(Duration.ofMinutes(3), "committed output emitted after the kill", () -> {
                if (runningAgainAt[0] == 0) {
                    boolean allRunning = allTasksRunning(jobId);
                    sawRestart[0] |= !allRunning;
                    if (sawRestart[0] && allRunning) {
                        runningAgainAt[0] = System.currentTimeMillis();
                    }
                }
                return watcher.firstSeenAfter() > 0;
            });
            System.out.printf("RECOVERY: kill -9 -> every task running again %s; kill -9 -> first committed snapshot emitted after the kill %.1f s%n",
                    runningAgainAt[0] == 0 ? "(not observed)" : String.format("%.1f s", (runningAgainAt[0] - killedAt) / 1e3),
                    (watcher.firstSeenAfter() - killedAt) / 1e3);

            // Live traffic through the recovered job across several of its checkpoints, then the end of input.
            long checkpointsAfterRecovery = cluster.completedCheckpoints(jobId) + 3;
            awaitTrue(Duration.ofMinutes(2), "three more checkpoints of the recovered job",
                    () -> cluster.completedCheckpoints(jobId) >= checkpointsAfterRecovery);
            traffic.close();
            awaitTrue(Duration.ofMinutes(2), "every task running after the failover", () -> allTasksRunning(jobId));
            verify(config, traffic, jobId);
        }
        cluster.cancel(jobId);
        cluster.close();
        // Passed: nothing to look at. On a failure the folder stays, with every process's log.
        LocalFlinkCluster.deleteRecursively(dir);
    }

    private static void verify(JobConfig config, Traffic traffic, String jobId) throws Exception {
        Map<String, List<ListenEvent>> byUser = new LinkedHashMap<>();
        Map<String, Long> expectedApplied = new HashMap<>();
        long duplicates;
        long malformed;
        synchronized (traffic.sent) {
            for (ListeningGenerator.Generated g : traffic.sent) {
                if (g.kind() != ListeningGenerator.Kind.MALFORMED) {
                    byUser.computeIfAbsent(g.key(), k -> new ArrayList<>()).add(g.event());
                }
                if (g.kind() == ListeningGenerator.Kind.EVENT) {
                    expectedApplied.merge(g.key(), 1L, Long::sum);
                }
            }
            duplicates = traffic.count(ListeningGenerator.Kind.DUPLICATE);
            malformed = traffic.count(ListeningGenerator.Kind.MALFORMED);
        }
        // Late events, in their place after the event they copy (same user, same partition, sent right after).
        for (ListenEvent late : traffic.lateSent) {
            byUser.get(late.getUserId()).add(late);
        }
        long expectedSnapshots = expectedApplied.values().stream().mapToLong(Long::longValue).sum();

        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        List<ConsumerRecord<byte[], byte[]>> snapshots = TestKafka.readAll(kafka, config.topics().output());
        while (snapshots.size() < expectedSnapshots && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
            snapshots = TestKafka.readAll(kafka, config.topics().output());
        }
        Thread.sleep(3_000);
        snapshots = TestKafka.readAll(kafka, config.topics().output());
        long inputRecords = TestKafka.readAll(kafka, config.topics().input()).size();
        long deadLetters = TestKafka.readAll(kafka, config.topics().dlq()).size();
        long lateRecords = TestKafka.readAll(kafka, config.topics().late()).size();

        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        Map<String, List<Long>> versions = new HashMap<>();
        Map<String, UserSequence> last = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : snapshots) {
            UserSequence s = codec.decode(r.value());
            assertEquals(s.getUserId(), new String(r.key(), StandardCharsets.UTF_8));
            versions.computeIfAbsent(s.getUserId(), u -> new ArrayList<>()).add(s.getVersion());
            last.put(s.getUserId(), s);
        }
        long applied = versions.values().stream().mapToLong(v -> v.get(v.size() - 1)).sum();
        System.out.printf("topics: in %d = applied %d (from versions) + duplicates %d (generated) + late %d + dead-lettered %d;"
                        + " %d snapshots, %d users%n",
                inputRecords, applied, duplicates, lateRecords, deadLetters, snapshots.size(), versions.size());

        assertEquals(expectedApplied.keySet(), versions.keySet(), "every user with events has snapshots");
        for (Map.Entry<String, Long> e : expectedApplied.entrySet()) {
            List<Long> got = versions.get(e.getKey());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i + 1, got.get(i), e.getKey() + ": versions must be 1, 2, ... in offset order: " + got);
            }
            assertEquals(e.getValue(), (long) got.size(), e.getKey() + ": one snapshot per applied event");
        }
        assertEquals(expectedSnapshots, snapshots.size(), "no snapshot lost or repeated");
        assertEquals(malformed, deadLetters, "every malformed record dead-lettered once");
        assertEquals(traffic.lateSent.size(), lateRecords, "every late event on the late topic once");
        assertEquals(inputRecords, applied + duplicates + lateRecords + deadLetters,
                "in = applied + duplicates + late + dead-lettered");
        for (Map.Entry<String, List<ListenEvent>> e : byUser.entrySet()) {
            Replay.assertSameItems(Replay.of(config, e.getKey(), e.getValue()), last.get(e.getKey()));
        }
        checkPrometheusCounters(jobId);
    }

    /**
     * The running attempt's counters, scraped from both TaskManagers' Prometheus reporters. Counters
     * restart from zero with each task attempt (they are not checkpointed), so after the failover they
     * count what the restored job read since its checkpoint: the equation must hold for them too.
     */
    private static void checkPrometheusCounters(String jobId) throws Exception {
        Map<String, Double> sums = new HashMap<>();
        awaitTrue(Duration.ofMinutes(1), "Prometheus counters of the running attempt add up", () -> {
            sums.clear();
            for (LocalFlinkCluster.Node tm : cluster.taskManagers()) {
                Matcher m = PROMETHEUS_LINE.matcher(cluster.scrape(tm));
                while (m.find()) {
                    if (m.group(2).contains("job_id=\"" + jobId + "\"")) {
                        sums.merge(m.group(1), Double.parseDouble(m.group(3)), Double::sum);
                    }
                }
            }
            double in = sums.getOrDefault("recordsIn", -1.0);
            double out = sums.getOrDefault("eventsApplied", 0.0) + sums.getOrDefault("eventsDuplicate", 0.0)
                    + sums.getOrDefault("eventsLate", 0.0) + sums.getOrDefault("reason_deadLettered", 0.0);
            return in > 0 && in == out;
        });
        System.out.println("prometheus (running attempt, summed over subtasks): " + sums);

        Set<String> served = new TreeSet<>();
        List<LocalFlinkCluster.Node> nodes = new ArrayList<>(cluster.taskManagers());
        nodes.add(cluster.jobManager());
        for (LocalFlinkCluster.Node node : nodes) {
            Matcher m = METRIC_NAME.matcher(cluster.scrape(node));
            while (m.find()) {
                served.add(m.group(1));
            }
        }
        Set<String> referenced = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("deploy", "prometheus-rules.yml"))) {
            Matcher m = Pattern.compile("flink_\\w+").matcher(line);
            while (!line.trim().startsWith("#") && m.find()) {
                referenced.add(m.group());
            }
        }
        assertTrue(referenced.size() > 5, "the rules name the job's metrics: " + referenced);
        referenced.removeAll(served);
        assertEquals(Set.of(), referenced, "metrics named in deploy/prometheus-rules.yml that the cluster does not serve");
    }

    private static boolean allTasksRunning(String jobId) throws Exception {
        JsonNode job = cluster.get("/jobs/" + jobId);
        if (!job.path("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (vertex.path("tasks").path("RUNNING").asInt() != vertex.path("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    private interface Check {
        boolean test() throws Exception;
    }

    private static void awaitTrue(Duration timeout, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.test()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + "; cluster logs in "
                    + cluster.logDir());
            Thread.sleep(200);
        }
    }
}
