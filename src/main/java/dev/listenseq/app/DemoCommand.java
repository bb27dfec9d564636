package dev.listenseq.app;

import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.config.StartupException;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.embedded.TrafficProducer;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.flink.JobMetrics;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.logging.log4j.core.config.Configurator;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code demo}: the whole system in one process. An embedded Kafka broker (unless
 * --bootstrap-servers points at one), the topics, a generator of realistic listening, the job on a
 * local MiniCluster with RocksDB, checkpoints and the web UI, and a live view of sequences.
 *
 * <p>Logging goes to a file in the work folder so the terminal shows only the view; this class
 * therefore creates no logger before {@link #run} has pointed log4j at that file.
 */
final class DemoCommand {

    private static final String WORK_DIR_MARKER = ".listenseq-demo";

    private DemoCommand() {
    }

    static int run(List<String> args) throws Exception {
        Settings settings = Settings.load("demo", args);
        Path work = Path.of(settings.get(ConfigKeys.DEMO_WORK_DIR)).toAbsolutePath();
        emptyFolder(work);
        Path logFile = work.resolve("listenseq.log");
        System.setProperty("listenseq.console-level", "ERROR");
        System.setProperty("listenseq.log-file", logFile.toString());
        // Logging started when the first class with a logger loaded, before these were set: read them now.
        Configurator.reconfigure();
        PrintStream out = System.out;
        int webUiPort = settings.get(ConfigKeys.DEMO_WEB_UI_PORT);
        requireFreePort(webUiPort);
        try (KafkaEndpoint kafka = KafkaEndpoint.resolve(settings, work.resolve("kafka"), out)) {
            JobConfig config = JobConfig.from(settings.with(Map.of(
                    ConfigKeys.CHECKPOINT_DIR.name(), work.resolve("checkpoints").toUri().toString(),
                    ConfigKeys.SAVEPOINT_DIR.name(), work.resolve("savepoints").toUri().toString(),
                    ConfigKeys.STATE_LOCAL_DIR.name(), work.resolve("rocksdb").toString())));
            JobRunner runner = JobRunner.inProcess(config, JobParts.kafka(config, kafka.bootstrapServers()))
                    .withWebUi(webUiPort).alwaysCreateTopics();
            out.println("Starting the job on a local Flink MiniCluster (RocksDB, checkpoints every "
                    + config.checkpointInterval().toMillis() + " ms) ...");
            JobClient job = runner.startLive();
            awaitStarted(job, config.parallelism());
            return show(settings, config, runner, job, "http://localhost:" + webUiPort, logFile, out);
        }
    }

    /** Generates traffic and draws the live view until Ctrl-C, demo.duration, or the job's end; then cancels. */
    private static int show(Settings settings, JobConfig config, JobRunner runner, JobClient job, String webUi,
                            Path logFile, PrintStream out) throws Exception {
        String bootstrap = runner.kafka().bootstrapServers();
        ListeningGenerator generator = new ListeningGenerator(new ListeningGenerator.Params(
                settings.get(ConfigKeys.DEMO_USERS), settings.get(ConfigKeys.DEMO_SONGS), settings.get(ConfigKeys.DEMO_SEED),
                settings.get(ConfigKeys.DEMO_DUPLICATE_RATE), settings.get(ConfigKeys.DEMO_OUT_OF_ORDER_RATE),
                settings.get(ConfigKeys.DEMO_MALFORMED_RATE)), System::currentTimeMillis);
        int rate = settings.get(ConfigKeys.DEMO_RATE);
        TrafficProducer producer = new TrafficProducer(bootstrap, config.topics().input(), generator, rate);
        producer.start();

        Duration duration = settings.get(ConfigKeys.DEMO_DURATION);
        Instant started = Instant.now();
        Instant deadline = duration == null ? Instant.MAX : started.plus(duration);
        boolean ansi = System.console() != null;
        long[] lastApplied = {0};
        long[] lastTick = {System.nanoTime()};
        long[] nextDraw = {0};
        try (LiveView view = new LiveView(bootstrap, config.topics().output(), settings.get(ConfigKeys.DEMO_SHOW_USERS), out, ansi)) {
            runner.follow(job, JobRunner.stopOnSignal(), Duration.ZERO, j -> {
                if (!Instant.now().isBefore(deadline)) {
                    return true;
                }
                view.poll();
                long now = System.nanoTime();
                if (now < nextDraw[0]) {
                    return false;
                }
                nextDraw[0] = now + TimeUnit.SECONDS.toNanos(ansi ? 1 : 10);
                JobCounters counters = InProcessMetrics.counters(j.getJobID());
                double seconds = (now - lastTick[0]) / 1e9;
                long appliedPerSecond = Math.round((counters.applied() - lastApplied[0]) / Math.max(seconds, 1e-3));
                lastApplied[0] = counters.applied();
                lastTick[0] = now;
                Duration elapsed = Duration.between(started, Instant.now());
                view.draw(List.of(
                        String.format("listening-sequence-builder demo   running %dm%02ds   (Ctrl-C stops)",
                                elapsed.toMinutes(), elapsed.toSecondsPart()),
                        "Flink web UI " + webUi + "   Kafka " + bootstrap + "   log " + logFile,
                        String.format("generator  sent %,d (target %,d/s)  duplicates %,d  malformed %,d   %d users",
                                producer.sent(), rate, producer.duplicates(), producer.malformed(),
                                settings.get(ConfigKeys.DEMO_USERS))),
                        counters,
                        String.format("applied %,d/s  %s", appliedPerSecond, latency(j)));
                return false;
            });
        } finally {
            out.println("\nStopping ...");
            producer.close();
            JobCounters finalCounters = InProcessMetrics.counters(job.getJobID());
            if (!job.getJobExecutionResult().isDone()) {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
            double seconds = Math.max(1, Duration.between(started, Instant.now()).toMillis() / 1000.0);
            out.printf("Ran %.0f s. Generated %,d records (%,.0f/s).%n", seconds, producer.sent(), producer.sent() / seconds);
            // Read from the running job: records decoded but not yet through the keyed step are in flight.
            long inFlight = finalCounters.unaccounted();
            out.printf("Job: in %,d, applied %,d (%,.0f/s), duplicates %,d, late %,d, dead-lettered %,d, erasures %,d,"
                            + " in flight %,d, snapshots %,d.%n",
                    finalCounters.recordsIn(), finalCounters.applied(), finalCounters.applied() / seconds,
                    finalCounters.duplicates(), finalCounters.late(), finalCounters.deadLettered(),
                    finalCounters.erasures(), inFlight, finalCounters.snapshots());
            if (finalCounters.deadLettered() > 0) {
                out.println("Dead letters by reason: " + LiveView.byReason(finalCounters) + ".");
            }
        }
        return 0;
    }

    /**
     * Waits until every subtask of the sequence builder has opened its state, so the first generated
     * events do not wait out the job's start-up: they would dominate the latency shown for the first
     * minute (p99 1.3-1.6 s at 200 events/s against about 50 ms once they aged out of the window).
     * Gives up after two minutes or when the job ends; the main loop reports either.
     */
    private static void awaitStarted(JobClient job, int parallelism) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (InProcessMetrics.histograms(job.getJobID(), JobMetrics.EMIT_LATENCY_MS).size() < parallelism
                && !job.getJobExecutionResult().isDone() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private static String latency(JobClient job) {
        List<HistogramStatistics> stats = InProcessMetrics.histograms(job.getJobID(), JobMetrics.EMIT_LATENCY_MS);
        if (stats.isEmpty()) {
            return "";
        }
        double p50 = stats.stream().mapToDouble(s -> s.getQuantile(0.5)).max().orElse(0);
        double p99 = stats.stream().mapToDouble(s -> s.getQuantile(0.99)).max().orElse(0);
        return String.format("event-to-emit latency p50 %.0f ms  p99 %.0f ms", p50, p99);
    }

    private static void requireFreePort(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new StartupException("demo.web-ui-port is \"" + port
                    + "\"; that port is in use (another demo or Flink?). Pass --demo.web-ui-port with a free port", e);
        }
    }

    /** Empties the work folder, but only one this demo made: a mistyped path must never lose files. */
    private static void emptyFolder(Path folder) throws IOException {
        Path marker = folder.resolve(WORK_DIR_MARKER);
        if (Files.isDirectory(folder) && !Files.exists(marker)) {
            try (Stream<Path> entries = Files.list(folder)) {
                if (entries.findAny().isPresent()) {
                    throw new StartupException("demo.work-dir is \"" + folder + "\"; that folder is not empty and was not "
                            + "made by the demo, which empties it at start. Pass --demo.work-dir with a new folder", null);
                }
            }
        }
        if (Files.exists(folder)) {
            try (Stream<Path> paths = Files.walk(folder)) {
                for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(folder);
        Files.createFile(marker);
    }
}
