package dev.listenseq.app;

import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.config.StartupException;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.BrokerChecks;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.pipeline.FlinkSettings;
import dev.listenseq.pipeline.SequencePipeline;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code stream}: the always-on job against an existing Kafka cluster. Started as a program it runs
 * on a local Flink MiniCluster, and SIGTERM or Ctrl-C stops the job with a savepoint, so a restart
 * from it loses and repeats nothing.
 *
 * <p>Crash safety: started as a program without {@code state.restore-from}, it resumes by itself
 * from the newest complete checkpoint or savepoint of this job.name ({@link RetainedState}), so a
 * supervisor restarts it after any crash (kill -9 included) with the same command line. With none
 * found it starts without state only when the job has never run ({@link BrokerChecks#priorRun});
 * otherwise it refuses, unless {@code state.start-empty} says to go ahead. Submitted to a Flink cluster (REST, {@code flink run}, or
 * application mode on Kubernetes) it only submits the job and returns: there the cluster owns the job's
 * life (savepoints, restarts, upgrades), and this code may run inside the JobManager, where it must not
 * wait, catch signals or exit the JVM.
 */
final class StreamCommand {

    private static final Logger LOG = LoggerFactory.getLogger(StreamCommand.class);
    private static final long PROGRESS_EVERY_SECONDS = 30;

    private StreamCommand() {
    }

    /**
     * Whether main was called by a Flink client or cluster (a context environment is installed),
     * rather than as a plain program that brings its own MiniCluster.
     */
    static boolean insideFlinkCluster() {
        return !(StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment);
    }

    /** Runs the job on a local MiniCluster until it ends or SIGTERM stops it with a savepoint; the exit code. */
    static int run(List<String> args) throws Exception {
        JobConfig config = JobConfig.from(Settings.load("streaming", args));
        Configuration flink = FlinkSettings.toFlink(config);
        InProcessMetrics.addTo(flink);
        RetainedState state = RetainedState.of(config.checkpointDir(), config.savepointDir(), config.jobName());
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, state.checkpoints());
        flink.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, state.savepoints());
        BrokerChecks.checkTransactionTimeout(config);
        chooseStartingState(config, flink, state);
        JobClient job = start(config, flink);

        CountDownLatch stopRequested = new CountDownLatch(1);
        Signals.onTerminate(stopRequested::countDown);
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        while (!result.isDone()) {
            if (stopRequested.await(PROGRESS_EVERY_SECONDS, TimeUnit.SECONDS)) {
                return stop(job, config, state);
            }
            JobCounters counters = InProcessMetrics.counters(job.getJobID());
            LOG.info("Progress: {}", counters);
        }
        result.get();
        LOG.info("Job {} finished", config.jobName());
        return 0;
    }

    /** Submits the job to the cluster that called main and returns at once. */
    static void submit(List<String> args) throws Exception {
        JobConfig config = JobConfig.from(Settings.load("streaming", args));
        BrokerChecks.checkTransactionTimeout(config);
        start(config, FlinkSettings.toFlink(config));
    }

    /**
     * Sets where the job starts: state.restore-from when given; else the newest retained checkpoint or
     * savepoint of this job; else no state, if the job has never run or state.start-empty allows it.
     */
    private static void chooseStartingState(JobConfig config, Configuration flink, RetainedState state) throws Exception {
        if (config.restoreFrom() != null) {
            LOG.info("Starting from {} (state.restore-from)", config.restoreFrom());
            return;
        }
        FileSystem.initialize(flink, PluginUtils.createPluginManagerFromRootFolder(flink));
        Optional<RetainedState.Found> found = state.newest();
        if (found.isPresent()) {
            RetainedState.Found f = found.get();
            flink.set(StateRecoveryOptions.SAVEPOINT_PATH, f.path());
            LOG.info("Resuming from the newest retained {} of job {}: {} (written {})", f.kind(), config.jobName(), f.path(),
                    Instant.ofEpochMilli(f.writtenAtMs()));
            return;
        }
        String evidence = BrokerChecks.priorRun(config);
        if (evidence == null) {
            LOG.info("Starting without state: no checkpoint or savepoint of job {} in {} or {}, and it has never run;"
                    + " its snapshots start a new generation", config.jobName(), state.checkpoints(), state.savepoints());
        } else if (config.startEmpty()) {
            LOG.warn("Starting without state although job {} has run before ({}), because state.start-empty is true:"
                    + " every user's version restarts at 1 in a new, higher generation", config.jobName(), evidence);
        } else {
            throw new StartupException(refusal(config, state, evidence), null);
        }
    }

    static String refusal(JobConfig config, RetainedState state, String evidence) {
        return "job " + config.jobName() + " has run before (" + evidence + "), but no complete checkpoint or savepoint"
                + " of it is in " + state.checkpoints() + " or " + state.savepoints() + ". Starting without state would"
                + " restart every user's version at 1, so it does not start by itself. Either resume from a known"
                + " checkpoint or savepoint with --state.restore-from PATH (a chk-N or savepoint-* folder), or start"
                + " empty on purpose with --state.start-empty true (a new generation; see docs/crash-safety.md)";
    }

    private static JobClient start(JobConfig config, Configuration flink) throws Exception {
        if (config.topics().create()) {
            TopicAdmin.ensureTopics(config);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        SequencePipeline.kafkaToKafka(env, config, false);
        JobClient job = env.executeAsync(config.jobName());
        String restoredFrom = flink.get(StateRecoveryOptions.SAVEPOINT_PATH);
        LOG.info("Job {} ({}) started: {} -> {} on {}, {} delivery, state on {}{}", config.jobName(), job.getJobID(),
                config.topics().input(), config.topics().output(), config.bootstrapServers(), config.delivery(),
                config.stateBackend(), restoredFrom == null ? ", without state" : ", restored from " + restoredFrom);
        return job;
    }

    private static int stop(JobClient job, JobConfig config, RetainedState state) throws Exception {
        LOG.info("Stopping job {} with a savepoint in {} ...", config.jobName(), state.savepoints());
        try {
            String savepoint = Savepoints.stop(job, state.savepoints());
            LOG.info("Stopped. Savepoint: {}. The same command resumes from it (or --state.restore-from {})",
                    savepoint, savepoint);
            return 0;
        } catch (Exception e) {
            LOG.error("Stop with savepoint failed; cancelling. The same command resumes from the newest retained"
                    + " checkpoint in {}", state.checkpoints(), e);
            job.cancel().get(1, TimeUnit.MINUTES);
            return 1;
        }
    }
}
