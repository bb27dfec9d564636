package dev.listenseq.app;

import dev.listenseq.config.JobConfig;
import dev.listenseq.config.StartupException;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.kafka.BrokerChecks;
import dev.listenseq.kafka.KafkaIO;
import dev.listenseq.kafka.KafkaSettings;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.kafka.TopicSettings;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts and follows the job for every command, so that stream, backfill and demo differ only in
 * what they pass in: the Flink settings (and in-process metrics when the job runs in this process),
 * the broker checks and topics, the graph with Kafka at both ends, submission, the retained-state
 * resume, following the job (progress, signals) and stopping it with a savepoint.
 *
 * <p>Kafka is passed typed ({@link KafkaSettings}), already resolved: a command that starts an
 * embedded broker passes its address here, it never writes it back into the configuration.
 *
 * <p>Not a logger until used: the demo points log4j at its file before it makes a runner.
 */
final class JobRunner {

    /** Builds the job's graph into {@code env}, reading and writing Kafka through {@code io}. */
    interface Graph {
        void build(StreamExecutionEnvironment env, KafkaIO io) throws Exception;
    }

    /** What a command does while its job runs: called every tick; true stops following (the job runs on). */
    interface Watch {
        boolean tick(JobClient job) throws Exception;
    }

    /** Why {@link #follow} returned. */
    enum Ended { FINISHED, STOP_REQUESTED, WATCH_DONE }

    private final JobConfig config;
    private final KafkaSettings kafka;
    private final TopicSettings topics;
    private final Configuration flink;
    private boolean webUi;
    private boolean alwaysCreateTopics;
    private boolean brokerChecked;
    private boolean kafkaPrepared;

    private JobRunner(JobConfig config, KafkaSettings kafka, boolean inProcess) {
        this.config = config;
        this.kafka = kafka;
        this.topics = JobParts.topics(config);
        this.flink = FlinkSettings.toFlink(config);
        if (inProcess) {
            InProcessMetrics.addTo(flink);
        }
    }

    /** The job on a local MiniCluster in this process, whose metrics this process reads. */
    static JobRunner inProcess(JobConfig config, KafkaSettings kafka) {
        return new JobRunner(config, kafka, true);
    }

    static JobRunner inProcess(JobConfig config) {
        return inProcess(config, JobParts.kafka(config));
    }

    /**
     * Submitted to the Flink cluster that called main (CLI, REST or application mode): the cluster
     * owns the job's life, and this may be the JobManager's JVM, where nothing may wait or exit.
     */
    static JobRunner onCluster(JobConfig config) {
        return new JobRunner(config, JobParts.kafka(config), false);
    }

    /** Whether main was called by a Flink client or cluster rather than as a plain program. */
    static boolean insideFlinkCluster() {
        return !(StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment);
    }

    /** The local cluster serves Flink's web UI on localhost:{@code port}. */
    JobRunner withWebUi(int port) {
        flink.set(RestOptions.PORT, port);
        flink.set(RestOptions.BIND_ADDRESS, "localhost");
        webUi = true;
        return this;
    }

    /** Creates missing topics even when topics.create is false (the demo owns its broker). */
    JobRunner alwaysCreateTopics() {
        alwaysCreateTopics = true;
        return this;
    }

    /** Flink's configuration for the job; a command may add to it before {@link #start}. */
    Configuration flink() {
        return flink;
    }

    KafkaSettings kafka() {
        return kafka;
    }

    TopicSettings topics() {
        return topics;
    }

    String savepointDir() {
        return flink.get(CheckpointingOptions.SAVEPOINT_DIRECTORY);
    }

    /**
     * Crash safety for a job run as a program: checkpoints and savepoints go to this job.name's own
     * folders, and the job starts from state.restore-from when given; else from the newest complete
     * checkpoint or savepoint there; else without state, if the job has never run or
     * state.start-empty allows it. Otherwise refuses with a {@link StartupException} that says how
     * to go on.
     */
    RetainedState resumeRetained() throws Exception {
        Logger log = LoggerFactory.getLogger(JobRunner.class);
        RetainedState state = RetainedState.of(config.checkpointDir(), config.savepointDir(), config.jobName());
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, state.checkpoints());
        flink.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, state.savepoints());
        checkBroker();
        if (config.restoreFrom() != null) {
            log.info("Starting from {} (state.restore-from)", config.restoreFrom());
            return state;
        }
        FileSystem.initialize(flink, PluginUtils.createPluginManagerFromRootFolder(flink));
        Optional<RetainedState.Found> found = state.newest();
        if (found.isPresent()) {
            RetainedState.Found f = found.get();
            flink.set(StateRecoveryOptions.SAVEPOINT_PATH, f.path());
            log.info("Resuming from the newest retained {} of job {}: {} (written {})", f.kind(), config.jobName(),
                    f.path(), Instant.ofEpochMilli(f.writtenAtMs()));
            return state;
        }
        String evidence = BrokerChecks.priorRun(kafka, topics, config.jobName());
        if (evidence == null) {
            log.info("Starting without state: no checkpoint or savepoint of job {} in {} or {}, and it has never run;"
                    + " its snapshots start a new generation", config.jobName(), state.checkpoints(), state.savepoints());
        } else if (config.startEmpty()) {
            log.warn("Starting without state although job {} has run before ({}), because state.start-empty is true:"
                    + " every user's version restarts at 1 in a new, higher generation", config.jobName(), evidence);
        } else {
            throw new StartupException(refusal(state, evidence), null);
        }
        return state;
    }

    private String refusal(RetainedState state, String evidence) {
        return "job " + config.jobName() + " has run before (" + evidence + "), but no complete checkpoint or savepoint"
                + " of it is in " + state.checkpoints() + " or " + state.savepoints() + ". Starting without state would"
                + " restart every user's version at 1, so it does not start by itself. Either resume from a known"
                + " checkpoint or savepoint with --state.restore-from PATH (a chk-N or savepoint-* folder), or start"
                + " empty on purpose with --state.start-empty true (a new generation; see docs/crash-safety.md)";
    }

    /** Exactly-once: the broker must accept the job's transaction timeout (checked once). */
    private void checkBroker() {
        if (!brokerChecked) {
            BrokerChecks.checkTransactionTimeout(kafka, config.checkpointInterval(), config.checkpointTimeout());
            brokerChecked = true;
        }
    }

    /** Checks the broker and creates missing topics (topics.create); once, however often it is called. */
    void prepareKafka() {
        checkBroker();
        if (!kafkaPrepared && (topics.create() || alwaysCreateTopics)) {
            TopicAdmin.ensureTopics(kafka, topics);
        }
        kafkaPrepared = true;
    }

    /** Prepares Kafka ({@link #prepareKafka}), builds the graph and submits it. */
    JobClient start(Graph graph) throws Exception {
        prepareKafka();
        StreamExecutionEnvironment env = webUi
                ? StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink)
                : StreamExecutionEnvironment.getExecutionEnvironment(flink);
        graph.build(env, KafkaIO.connect(kafka, topics));
        return env.executeAsync(config.jobName());
    }

    /** Starts the live job: the input topics, unbounded. */
    JobClient startLive() throws Exception {
        JobClient job = start((env, io) -> KafkaJob.live(env, config, io, false));
        String restoredFrom = flink.get(StateRecoveryOptions.SAVEPOINT_PATH);
        LoggerFactory.getLogger(JobRunner.class).info("Job {} ({}) started: {} -> {} on {}, {} delivery, state on {}{}",
                config.jobName(), job.getJobID(), topics.input(), topics.output(), kafka.bootstrapServers(),
                config.delivery(), config.stateBackend(), restoredFrom == null ? ", without state" : ", restored from " + restoredFrom);
        return job;
    }

    /**
     * Follows the job until it ends (a failure throws), {@code stop} is counted down (a signal), or
     * {@code watch}, called every {@code every}, says it is done. The job runs on in the last two
     * cases: the caller stops it ({@link #stopWithSavepoint}) or cancels it.
     */
    Ended follow(JobClient job, CountDownLatch stop, Duration every, Watch watch) throws Exception {
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        while (true) {
            if (stop.await(every.toMillis(), TimeUnit.MILLISECONDS) && !result.isDone()) {
                return Ended.STOP_REQUESTED;
            }
            if (result.isDone()) {
                result.get();
                return Ended.FINISHED;
            }
            if (watch.tick(job)) {
                return Ended.WATCH_DONE;
            }
        }
    }

    /**
     * Stops the job with a canonical savepoint in its savepoint folder ({@link Savepoints#stop}) and
     * returns the savepoint's path.
     */
    String stopWithSavepoint(JobClient job) throws Exception {
        return Savepoints.stop(job, savepointDir());
    }

    /** A CountDownLatch that SIGTERM and SIGINT count down. */
    static CountDownLatch stopOnSignal() {
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTerminate(stop::countDown);
        return stop;
    }
}
