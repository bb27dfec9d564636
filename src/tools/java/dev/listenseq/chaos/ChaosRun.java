package dev.listenseq.chaos;

import dev.listenseq.app.BackfillCommand;
import dev.listenseq.app.JobParts;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.cluster.OutputWatcher;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.flink.FaultHook;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.tools.LoadAverage;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

/**
 * One chaos run: an in-process Kafka broker, the job on a {@link JobTarget}, live traffic, faults of
 * mixed kinds at seeded random moments (each waits until the previous one has recovered: committed
 * output emitted after it), then the checks, from the topics alone, against a failure-free replay
 * (the same job, bounded, over the recorded input topic). Prints per fault kind the count and the
 * recovery time, every check's verdict, and the command that reproduces the run.
 */
public final class ChaosRun {

    static final String INPUT = "chaos-in";
    static final String OUTPUT = "chaos-out";
    static final String DLQ = "chaos-dlq";
    static final String LATE = "chaos-late";
    private static final String HOOK_FLAG = "--" + ConfigKeys.FLINK_PREFIX + "pipeline.global-job-parameters";
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(5);

    /** One injected fault: when it was over, and how long until committed output emitted after it arrived. */
    public record Fault(FaultKind kind, long overAtMs, long recoveryMs) {
    }

    /** What a run did and found: the faults, and the check violations (empty: every check passed). */
    public record Result(List<Fault> faults, List<String> violations) {
        public boolean passed() {
            return violations.isEmpty();
        }
    }

    private final ChaosOptions options;
    private final Path jobJar;
    private final List<String> classpath;
    private final PrintStream out;
    private final String reproduce;
    private String loadAtStart;

    /**
     * @param jobJar    the shaded job jar the cluster target submits
     * @param classpath a runtime classpath holding Flink (and, for the process target, this project's classes)
     * @param reproduce the command line that repeats this run, printed at the end
     */
    public ChaosRun(ChaosOptions options, Path jobJar, List<String> classpath, PrintStream out, String reproduce) {
        this.options = options;
        this.jobJar = jobJar;
        this.classpath = classpath;
        this.out = out;
        this.reproduce = reproduce;
    }

    public Result run() throws Exception {
        Path base = options.workDir().toAbsolutePath();
        Files.createDirectories(base);
        Path work = Files.createTempDirectory(base, "run-");
        Path faultDir = work.resolve("faults");
        Files.createDirectories(faultDir);
        long started = System.currentTimeMillis();
        loadAtStart = LoadAverage.now();
        out.printf("Chaos run in %s: %d faults of %s, seed %d, %s target%n", work, options.faults(),
                options.kinds().stream().map(FaultKind::flag).toList(), options.seed(),
                options.processTarget() ? "process (`stream` as a child process)" : "multi-process cluster");

        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            List<String> jobArgs = jobArgs(kafka.bootstrapServers(), work, faultDir);
            JobConfig config = JobConfig.from(Settings.load("streaming", jobArgs));
            TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
            TopicChecks checks = new TopicChecks(kafka.bootstrapServers());
            List<Fault> faults;
            try (JobTarget target = options.processTarget()
                    ? new ProcessTarget(work.resolve("stream"), classpath)
                    : new ClusterTarget(work.resolve("flink"), classpath, jobJar,
                            options.kinds().contains(FaultKind.JOBMANAGER));
                 OutputWatcher watcher = new OutputWatcher(kafka.bootstrapServers(), OUTPUT)) {
                target.start(jobArgs);
                try (ChaosTraffic traffic = new ChaosTraffic(kafka.bootstrapServers(), INPUT, options.users(),
                        options.rate(), options.seed())) {
                    traffic.start();
                    await(options.recoveryTimeout(), "first committed snapshots", target, () -> watcher.received() > 0);
                    out.printf("%5.0fs  job running, committed output flowing; injecting faults%n", seconds(started));
                    faults = inject(kafka, target, watcher, faultDir, started);
                    Thread.sleep(options.gap().toMillis());
                }
                out.printf("%5.0fs  traffic stopped; replaying the recorded input without faults ...%n", seconds(started));
                JobCounters replay = replay(jobArgs, work);
                out.printf("%5.0fs  replay: %s%n", seconds(started), replay);
                settle(checks, replay, target);
                List<String> violations = check(checks, config, replay, target, started);
                Result result = new Result(faults, violations);
                report(result, started);
                if (!target.observations().isEmpty()) {
                    out.println("Also seen: " + target.observations());
                }
                return result;
            }
        }
    }

    /** The job's settings: this run's broker, topics and folders, fault hook on, then the user's own. */
    private List<String> jobArgs(String bootstrap, Path work, Path faultDir) {
        List<String> args = new ArrayList<>(List.of(
                "--kafka.bootstrap-servers", bootstrap,
                "--job.name", "listenseq-chaos",
                "--topics.input", INPUT, "--topics.output", OUTPUT, "--topics.dlq", DLQ, "--topics.late", LATE,
                "--topics.partitions", "4",
                "--parallelism", "2",
                "--checkpoint.interval", "2s",
                "--emit.min-interval", "0ms",
                "--delivery.guarantee", "exactly-once",
                "--delivery.transaction-timeout", "2m",
                "--source.starting-offsets", "earliest",
                "--checkpoint.dir", work.resolve("checkpoints").toUri().toString(),
                "--savepoint.dir", work.resolve("savepoints").toUri().toString(),
                "--state.local-dir", work.resolve("rocksdb").toString(),
                HOOK_FLAG, FaultHook.PARAMETER + ":" + faultDir));
        args.addAll(options.jobArgs());
        return args;
    }

    /** Injects the faults: every kind at least once, in a seeded random order, at seeded random gaps. */
    private List<Fault> inject(EmbeddedKafka kafka, JobTarget target, OutputWatcher watcher, Path faultDir,
                               long started) throws Exception {
        Random random = new Random(options.seed());
        List<FaultKind> plan = new ArrayList<>();
        List<FaultKind> kinds = new ArrayList<>(options.kinds());
        for (int i = 0; i < options.faults(); i++) {
            plan.add(kinds.get(i % kinds.size()));
        }
        Collections.shuffle(plan, random);
        List<Fault> faults = new ArrayList<>();
        for (FaultKind kind : plan) {
            Thread.sleep(options.gap().toMillis() + (long) (random.nextDouble() * options.gap().toMillis()));
            long over = switch (kind) {
                case EXCEPTION -> {
                    FaultHook.arm(faultDir);
                    await(Duration.ofMinutes(2), "a subtask of the keyed function to take the trigger", target,
                            () -> FaultHook.fired(faultDir));
                    yield System.currentTimeMillis();
                }
                case BROKER -> {
                    kafka.stopBroker();
                    Thread.sleep(options.brokerOutage().toMillis());
                    kafka.startBroker();
                    yield System.currentTimeMillis();
                }
                default -> target.inject(kind, random);
            };
            watcher.watchFor(over);
            await(options.recoveryTimeout(), "committed output emitted after " + kind.flag() + " fault #" + (faults.size() + 1),
                    target, () -> watcher.firstSeenAfter() > 0);
            Fault fault = new Fault(kind, over, watcher.firstSeenAfter() - over);
            faults.add(fault);
            out.printf("%5.0fs  fault %2d/%d %-16s recovered in %5.1f s%n", seconds(started), faults.size(),
                    plan.size(), kind.flag(), fault.recoveryMs() / 1e3);
        }
        return faults;
    }

    /** The same job, bounded and without faults, over the whole recorded input, into topics of its own. */
    private JobCounters replay(List<String> jobArgs, Path work) throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(ConfigKeys.JOB_NAME.name(), "listenseq-chaos-replay");
        overrides.put(ConfigKeys.TOPIC_OUTPUT.name(), OUTPUT + "-replay");
        overrides.put(ConfigKeys.TOPIC_DLQ.name(), DLQ + "-replay");
        overrides.put(ConfigKeys.TOPIC_LATE.name(), LATE + "-replay");
        overrides.put(ConfigKeys.CHECKPOINT_DIR.name(), work.resolve("replay-checkpoints").toUri().toString());
        overrides.put(ConfigKeys.SAVEPOINT_DIR.name(), work.resolve("replay-savepoints").toUri().toString());
        // The replay runs without the fault hook: the job's arguments less the hook's parameter.
        List<String> args = new ArrayList<>();
        for (int i = 0; i + 1 < jobArgs.size(); i += 2) {
            if (!jobArgs.get(i).equals(HOOK_FLAG)) {
                args.addAll(jobArgs.subList(i, i + 2));
            }
        }
        JobConfig config = JobConfig.from(Settings.load("streaming", args).with(overrides));
        return BackfillCommand.run(config, new CountDownLatch(1)).counters();
    }

    /** Waits until the live job has accounted for everything the replay did (it may still be catching up). */
    private void settle(TopicChecks checks, JobCounters replay, JobTarget target) throws Exception {
        await(SETTLE_TIMEOUT, "the chaos run's topics to hold as many applied, late and dead-lettered records"
                + " as the replay's", target, () -> {
                    long applied = checks.snapshots(OUTPUT).values().stream().mapToLong(u -> u.last.getVersion()).sum();
                    return applied >= replay.applied() && checks.countCommitted(LATE) >= replay.late()
                            && checks.countCommitted(DLQ) >= replay.deadLettered();
                });
    }

    private List<String> check(TopicChecks checks, JobConfig config, JobCounters replay, JobTarget target,
                               long started) throws Exception {
        List<String> violations = new ArrayList<>();
        out.printf("%n%5.0fs  checks, from the topics:%n", seconds(started));

        long openSince = System.currentTimeMillis();
        List<String> topics = List.of(OUTPUT, DLQ, LATE);
        Duration txDeadline = config.transactionTimeout().plus(Duration.ofMinutes(1));
        Map<TopicPartition, String> open = checks.openTransactions(topics);
        while (!open.isEmpty() && System.currentTimeMillis() - openSince < txDeadline.toMillis()) {
            Thread.sleep(1_000);
            open = checks.openTransactions(topics);
        }
        verdict(violations, "no transaction left open: a read_committed consumer reaches the log end of "
                + String.join(", ", topics) + String.format(Locale.ROOT, " (waited %.1f s)",
                (System.currentTimeMillis() - openSince) / 1e3), open.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());

        Map<String, List<Long>> versions = new LinkedHashMap<>();
        Map<String, UserSequence> liveLast = new LinkedHashMap<>();
        checks.snapshots(OUTPUT).forEach((user, s) -> {
            versions.put(user, s.versions);
            liveLast.put(user, s.last);
        });
        boolean gapFree = config.emitMinInterval().isZero();
        long snapshots = versions.values().stream().mapToLong(List::size).sum();
        verdict(violations, String.format(Locale.ROOT, "versions per user never go backwards%s (%,d users, %,d committed snapshots)",
                gapFree ? ", no gap, no repeat" : "", versions.size(), snapshots), TopicChecks.versionViolations(versions, gapFree));

        Map<String, UserSequence> replayLast = new LinkedHashMap<>();
        checks.snapshots(OUTPUT + "-replay").forEach((user, s) -> replayLast.put(user, s.last));
        verdict(violations, "every user's final snapshot equals the failure-free replay's (ignoring "
                + String.join(", ", TopicChecks.IGNORED_FIELDS) + ")", TopicChecks.snapshotDifferences(replayLast, liveLast));

        long in = checks.count(INPUT);
        long applied = liveLast.values().stream().mapToLong(UserSequence::getVersion).sum();
        long late = checks.countCommitted(LATE);
        long dead = checks.countCommitted(DLQ);
        long duplicates = replay.duplicates();
        List<String> accounting = new ArrayList<>();
        if (in != applied + duplicates + late + dead) {
            accounting.add("the sum is " + (applied + duplicates + late + dead) + ", not " + in);
        }
        if (replay.recordsIn() != in || replay.applied() != applied || replay.late() != late || replay.deadLettered() != dead) {
            accounting.add("the replay's counters differ: " + replay);
        }
        verdict(violations, String.format(Locale.ROOT, "in %,d = applied %,d (final versions) + duplicates %,d (replay's counter)"
                + " + late %,d + dead-lettered %,d (topics)", in, applied, duplicates, late, dead), accounting);
        return violations;
    }

    private void verdict(List<String> violations, String what, List<String> found) {
        out.printf("  %-4s %s%n", found.isEmpty() ? "OK" : "FAIL", what);
        found.stream().limit(10).forEach(f -> out.println("         " + f));
        if (found.size() > 10) {
            out.printf("         ... and %d more%n", found.size() - 10);
        }
        found.forEach(f -> violations.add(what + ": " + f));
    }

    private void report(Result result, long started) {
        out.printf("%nFaults (recovery: from the fault being over to the first committed snapshot emitted after it)%n");
        out.printf("  %-18s %5s %14s %14s%n", "kind", "count", "recovery p50", "recovery max");
        Map<FaultKind, List<Long>> byKind = new EnumMap<>(FaultKind.class);
        result.faults().forEach(f -> byKind.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(f.recoveryMs()));
        byKind.forEach((kind, times) -> {
            List<Long> sorted = times.stream().sorted().toList();
            out.printf(Locale.ROOT, "  %-18s %5d %12.1f s %12.1f s%n", kind.flag(), sorted.size(),
                    sorted.get((sorted.size() - 1) / 2) / 1e3, sorted.get(sorted.size() - 1) / 1e3);
        });
        out.printf("  %-18s %5d%n", "all", result.faults().size());
        // The run itself (broker, JobManager, TaskManagers, traffic) keeps a 2-core machine at a load of
        // 3 to 6; far above that, other work shared the CPU.
        out.printf("%d cores; at the start %s, at the end %s (the run's own processes add a few; far above"
                + " that, other work shared the CPU and the recovery times are not evidence)%n",
                Runtime.getRuntime().availableProcessors(), loadAtStart, LoadAverage.now());
        out.printf(Locale.ROOT, "%n%s after %.0f s: %d faults, %s. Seed %d.%nReproduce: %s%n",
                result.passed() ? "PASSED" : "FAILED", seconds(started), result.faults().size(),
                result.passed() ? "every check passed" : result.violations().size() + " violations", options.seed(), reproduce);
    }

    private interface Condition {
        boolean test() throws Exception;
    }

    private static void await(Duration timeout, String what, JobTarget target, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test()) {
            target.checkAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what
                        + "; logs in " + target.logs());
            }
            Thread.sleep(200);
        }
    }

    private static double seconds(long startedMs) {
        return (System.currentTimeMillis() - startedMs) / 1e3;
    }
}
