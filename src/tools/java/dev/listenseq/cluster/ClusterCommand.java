package dev.listenseq.cluster;

import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaEndpoint;
import dev.listenseq.app.Main;
import dev.listenseq.app.Signals;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.config.StartupException;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.embedded.TrafficProducer;
import dev.listenseq.kafka.TopicAdmin;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code cluster}: the job on a real multi-process Flink cluster on this machine. Starts a Kafka
 * broker, a standalone session cluster (one JobManager and {@code cluster.taskmanagers} TaskManagers,
 * each its own JVM), submits {@code target/listenseq-job.jar} through the REST API, and sends
 * generated traffic. With {@code cluster.kill-taskmanager-after} it kills one TaskManager with
 * {@code kill -9}, starts a replacement, and prints how long until committed output flowed again.
 * Ctrl-C or {@code demo.duration} stops everything it started.
 */
public final class ClusterCommand {

    private static final Path JOB_JAR = Path.of("target", "listenseq-job.jar");
    private static final Path CLASSPATH = Path.of("target", "classpath.txt");
    private static final long STATUS_EVERY_MS = 5_000;

    private ClusterCommand() {
    }

    public static int run(List<String> args) throws Exception {
        Settings settings = Settings.load("cluster", args);
        if (!Files.isRegularFile(JOB_JAR) || !Files.isRegularFile(CLASSPATH)) {
            throw new StartupException(JOB_JAR + " or " + CLASSPATH + " is missing; build with `mvn -DskipTests package`"
                    + " (./listenseq does it for you)", null);
        }
        Path base = Path.of(settings.get(ConfigKeys.CLUSTER_WORK_DIR)).toAbsolutePath();
        Files.createDirectories(base);
        Path work = Files.createTempDirectory(base, "run-");
        List<String> classpath = Arrays.asList(Files.readString(CLASSPATH).trim().split(File.pathSeparator));

        try (KafkaEndpoint kafka = KafkaEndpoint.resolve(settings, work.resolve("kafka"), System.out)) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> folders = Map.of(
                    ConfigKeys.CHECKPOINT_DIR.name(), work.resolve("checkpoints").toUri().toString(),
                    ConfigKeys.SAVEPOINT_DIR.name(), work.resolve("savepoints").toUri().toString());
            JobConfig config = JobConfig.from(settings.with(folders));
            TopicAdmin.ensureTopics(JobParts.kafka(config, bootstrap), JobParts.topics(config));
            // The job's own command line (another JVM) gets the run's folders and this broker as flags.
            Map<String, String> jobFlags = new HashMap<>(folders);
            jobFlags.put(ConfigKeys.BOOTSTRAP_SERVERS.name(), bootstrap);

            int taskManagers = settings.get(ConfigKeys.CLUSTER_TASKMANAGERS);
            System.out.printf("Starting a Flink cluster: 1 JobManager + %d TaskManagers, each its own JVM (logs in %s) ...%n",
                    taskManagers, work.resolve("flink").resolve("log"));
            try (LocalFlinkCluster cluster = LocalFlinkCluster.start(work.resolve("flink"), classpath, taskManagers, Map.of());
                 OutputWatcher watcher = new OutputWatcher(bootstrap, config.topics().output())) {
                System.out.printf("Flink web UI %s   JobManager pid %d   TaskManager pids %s%n", cluster.restUrl(),
                        cluster.jobManager().pid(), cluster.taskManagers().stream().map(LocalFlinkCluster.Node::pid).toList());
                String jobId = cluster.submit(JOB_JAR, Main.class.getName(), programArgs(args, jobFlags));
                System.out.println("Submitted " + JOB_JAR + " through the REST API: job " + jobId);
                return drive(settings, config, bootstrap, cluster, jobId, watcher);
            }
        }
    }

    /** The job runs `stream` with the same job file and arguments as this command, and the run's folders. */
    private static List<String> programArgs(List<String> args, Map<String, String> fixed) {
        List<String> program = new ArrayList<>(List.of("stream"));
        Path jobFile = Path.of("jobs", "cluster.properties");
        if (!args.contains("--job") && Files.isRegularFile(jobFile)) {
            program.addAll(List.of("--job", jobFile.toAbsolutePath().toString()));
        }
        for (int i = 0; i < args.size(); i++) {
            boolean jobPath = i > 0 && args.get(i - 1).equals("--job");
            // The JobManager runs in another folder: job files are passed by absolute path.
            program.add(jobPath ? Path.of(args.get(i)).toAbsolutePath().toString() : args.get(i));
        }
        fixed.forEach((k, v) -> program.addAll(List.of("--" + k, v)));
        return program;
    }

    private static int drive(Settings settings, JobConfig config, String bootstrap, LocalFlinkCluster cluster,
                             String jobId, OutputWatcher watcher) throws Exception {
        ListeningGenerator generator = new ListeningGenerator(new ListeningGenerator.Params(
                settings.get(ConfigKeys.DEMO_USERS), settings.get(ConfigKeys.DEMO_SONGS), settings.get(ConfigKeys.DEMO_SEED),
                settings.get(ConfigKeys.DEMO_DUPLICATE_RATE), settings.get(ConfigKeys.DEMO_OUT_OF_ORDER_RATE),
                settings.get(ConfigKeys.DEMO_MALFORMED_RATE)), System::currentTimeMillis);
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTerminate(stop::countDown);
        Duration duration = settings.get(ConfigKeys.DEMO_DURATION);
        Duration killAfter = settings.get(ConfigKeys.CLUSTER_KILL_AFTER);
        long started = System.currentTimeMillis();
        long deadline = duration == null ? Long.MAX_VALUE : started + duration.toMillis();
        long killedAt = 0;
        boolean reported = false;
        try (TrafficProducer producer = new TrafficProducer(bootstrap, config.topics().input(), generator,
                settings.get(ConfigKeys.DEMO_RATE))) {
            producer.start();
            while (System.currentTimeMillis() < deadline && !stop.await(STATUS_EVERY_MS, TimeUnit.MILLISECONDS)) {
                String state = cluster.jobState(jobId);
                System.out.printf("%4ds  job %-10s checkpoints %4d   sent %,d   committed snapshots %,d%n",
                        (System.currentTimeMillis() - started) / 1000, state, cluster.completedCheckpoints(jobId),
                        producer.sent(), watcher.received());
                if (state.equals("FAILED") || state.equals("CANCELED")) {
                    System.out.println("The job ended (" + state + "); see " + cluster.logDir());
                    return 1;
                }
                if (killAfter != null && killedAt == 0 && System.currentTimeMillis() - started >= killAfter.toMillis()) {
                    LocalFlinkCluster.Node victim = cluster.taskManagers().get(0);
                    killedAt = System.currentTimeMillis();
                    watcher.watchFor(killedAt);
                    cluster.killTaskManager(victim);
                    LocalFlinkCluster.Node replacement = cluster.startTaskManager();
                    System.out.printf("kill -9 %d (%s); started %s (pid %d) in its place%n",
                            victim.pid(), victim.name(), replacement.name(), replacement.pid());
                }
                if (killedAt > 0 && !reported && watcher.firstSeenAfter() > 0) {
                    reported = true;
                    System.out.printf("Recovered: kill -9 -> first committed snapshot emitted after the kill: %.1f s%n",
                            (watcher.firstSeenAfter() - killedAt) / 1e3);
                }
            }
        }
        System.out.println("Stopping: cancelling the job and the cluster ...");
        cluster.cancel(jobId);
        return 0;
    }
}
