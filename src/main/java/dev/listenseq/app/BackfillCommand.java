package dev.listenseq.app;

import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.OffsetRange;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code backfill}: the streaming job's own pipeline over a time range of the input topics, resolved
 * to per-partition offsets [start, stop). It runs in STREAMING mode with a bounded range, so state
 * lives in RocksDB exactly as in the always-on job and the run can end in a savepoint that
 * {@code stream} continues from. Progress is followed through the offsets the source commits on
 * each checkpoint, to a consumer group of its own per run.
 */
public final class BackfillCommand {

    private static final Logger LOG = LoggerFactory.getLogger(BackfillCommand.class);

    /** How a backfill ended: the savepoint (if it took one) and what it counted. */
    public record Result(String savepoint, OffsetRange range, JobCounters counters, Duration elapsed) {
    }

    private BackfillCommand() {
    }

    static int run(List<String> args) throws Exception {
        run(JobConfig.from(Settings.load("backfill", args)), JobRunner.stopOnSignal());
        return 0;
    }

    /**
     * Submitted to a cluster (CLI, REST or application mode): submit and return, never wait or exit
     * here, as this may be the JobManager's JVM. Progress is the lag of the run's consumer group;
     * a hand-off run idles at its stop offsets until someone stops it with a savepoint.
     */
    static void submit(List<String> args) throws Exception {
        JobConfig config = JobConfig.from(Settings.load("backfill", args));
        Started started = start(config, JobRunner.onCluster(config));
        if (config.backfill().endWithSavepoint()) {
            LOG.info("Submitted job {}. When consumer group {} has no lag left (every partition at its stop offset),"
                    + " stop it with a savepoint for the streaming job: flink stop --savepointPath {} {}",
                    started.job().getJobID(), started.group(), config.savepointDir(), started.job().getJobID());
        } else {
            LOG.info("Submitted job {}; it finishes when the range is done. Progress: the lag of consumer group {}",
                    started.job().getJobID(), started.group());
        }
    }

    /** Runs a backfill to its end, or until {@code stopRequested}, which stops it with a savepoint. */
    public static Result run(JobConfig config, CountDownLatch stopRequested) throws Exception {
        JobRunner runner = JobRunner.inProcess(config);
        long start = System.nanoTime();
        Started started = start(config, runner);
        JobClient job = started.job();
        boolean handOff = config.backfill().endWithSavepoint();
        String savepoint = follow(runner, job, config, started.range(), started.group(), handOff, stopRequested, start);
        JobCounters counters = InProcessMetrics.counters(job.getJobID());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        boolean interrupted = stopRequested.getCount() == 0;
        LOG.info("Backfill {} in {}: {}", interrupted ? "interrupted" : "done",
                BackfillProgress.format(elapsed), counters);
        if (savepoint != null) {
            LOG.info(handOff && !interrupted
                    ? "Hand-off savepoint: {}. Continue live, from exactly where the backfill stopped: ./listenseq stream --state.restore-from {}"
                    : "Savepoint: {}. Resume the backfill with: ./listenseq backfill --state.restore-from {} (same range flags)",
                    savepoint, savepoint);
        }
        return new Result(savepoint, started.range(), counters, elapsed);
    }

    private record Started(JobClient job, OffsetRange range, String group) {
    }

    private static Started start(JobConfig config, JobRunner runner) throws Exception {
        runner.prepareKafka();
        OffsetRange range = OffsetRange.resolve(runner.kafka(), runner.topics(), config.backfill().from(),
                config.backfill().to());
        boolean handOff = config.backfill().endWithSavepoint();
        String group = config.groupId() + "-" + System.currentTimeMillis();
        // Not BATCH: batch mode keeps no RocksDB state and takes no savepoints, so it could neither
        // hand off to the streaming job nor be resumed; bounded STREAMING runs the very same operators.
        runner.flink().set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.STREAMING);
        JobClient job = runner.start((env, io) -> KafkaJob.range(env, config, io, range, group, !handOff));

        LOG.info("Backfill {}: {} records of {} in [{}, {}) -> {}, {} ordering, {}", config.jobName(),
                String.format(Locale.ROOT, "%,d", range.total()), config.topics().input(),
                config.backfill().from() == null ? "start" : config.backfill().from(),
                config.backfill().to() == null ? "end" : config.backfill().to(), config.topics().output(),
                config.ordering().mode().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                handOff ? "ending with a savepoint for the streaming job" : "ending when the range is done");
        LOG.info("Offsets per partition [start, stop): {}", describe(range));
        return new Started(job, range, group);
    }

    private static String follow(JobRunner runner, JobClient job, JobConfig config, OffsetRange range, String group,
                                 boolean handOff, CountDownLatch stopRequested, long start) throws Exception {
        BackfillProgress progress = new BackfillProgress(range, start);
        long every = config.backfill().progressInterval().toNanos();
        long[] nextReport = {start + every};
        Duration poll = Duration.ofMillis(Math.min(500, config.backfill().progressInterval().toMillis()));
        try (Admin admin = Admin.create(runner.kafka().properties())) {
            JobRunner.Ended ended = runner.follow(job, stopRequested, poll, j -> {
                Map<TopicPartition, Long> positions = committed(admin, group);
                long now = System.nanoTime();
                if (now >= nextReport[0]) {
                    LOG.info(progress.report(positions, now));
                    nextReport[0] = now + every;
                }
                if (handOff && range.finished(positions)) {
                    LOG.info(progress.report(positions, now));
                    return true;
                }
                return false;
            });
            switch (ended) {
                case FINISHED:
                    LOG.info(progress.report(range.stop(), System.nanoTime()));
                    return null;
                case WATCH_DONE:
                    LOG.info("Range done: taking the hand-off savepoint ...");
                    return runner.stopWithSavepoint(job);
                default:
                    LOG.info("Stop requested: stopping the backfill with a savepoint ...");
                    try {
                        return runner.stopWithSavepoint(job);
                    } catch (ExecutionException e) {
                        // A backfill at the end of its range declines the savepoint ("task is
                        // closing") while its tasks finish; it then ends on its own.
                        if (!endsWithin(job.getJobExecutionResult(), Duration.ofMinutes(1))) {
                            throw e;
                        }
                        LOG.info("The backfill finished before the savepoint was taken");
                        LOG.info(progress.report(range.stop(), System.nanoTime()));
                        return null;
                    }
            }
        }
    }

    /** Whether the job ends (successfully: a failure throws) within {@code timeout}. */
    private static boolean endsWithin(CompletableFuture<JobExecutionResult> result, Duration timeout) throws Exception {
        try {
            result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    /** The offsets the job committed to the group (on completed checkpoints). */
    private static Map<TopicPartition, Long> committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, Long> positions = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        offsets.forEach((tp, o) -> {
            if (o != null) {
                positions.put(tp, o.offset());
            }
        });
        return positions;
    }

    private static String describe(OffsetRange range) {
        StringBuilder out = new StringBuilder();
        range.start().forEach((tp, s) -> out.append(out.length() == 0 ? "" : ", ")
                .append(tp).append(" [").append(s).append(", ").append(range.stop().get(tp)).append(')'));
        return out.toString();
    }
}
