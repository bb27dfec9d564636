package dev.listenseq.app;

import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.pipeline.FlinkSettings;
import dev.listenseq.pipeline.SequencePipeline;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code stream}: the always-on job against an existing Kafka cluster. Started as a program it runs
 * on a local Flink MiniCluster, and SIGTERM or Ctrl-C stops the job with a savepoint, so a restart
 * from it loses and repeats nothing. Submitted to a Flink cluster (REST, {@code flink run}, or
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
        JobClient job = start(config, flink);

        CountDownLatch stopRequested = new CountDownLatch(1);
        Signals.onTerminate(stopRequested::countDown);
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        while (!result.isDone()) {
            if (stopRequested.await(PROGRESS_EVERY_SECONDS, TimeUnit.SECONDS)) {
                return stop(job, config);
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
        start(config, FlinkSettings.toFlink(config));
    }

    private static JobClient start(JobConfig config, Configuration flink) throws Exception {
        if (config.topics().create()) {
            TopicAdmin.ensureTopics(config);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        SequencePipeline.kafkaToKafka(env, config, false);
        JobClient job = env.executeAsync(config.jobName());
        LOG.info("Job {} ({}) started: {} -> {} on {}, {} delivery, state on {}{}", config.jobName(), job.getJobID(),
                config.topics().input(), config.topics().output(), config.bootstrapServers(), config.delivery(),
                config.stateBackend(), config.restoreFrom() == null ? "" : ", restored from " + config.restoreFrom());
        return job;
    }

    private static int stop(JobClient job, JobConfig config) throws Exception {
        LOG.info("Stopping job {} with a savepoint in {} ...", config.jobName(), config.savepointDir());
        try {
            String savepoint = Savepoints.stop(job, config);
            LOG.info("Stopped. Savepoint: {}. Resume with: --state.restore-from {}", savepoint, savepoint);
            return 0;
        } catch (Exception e) {
            LOG.error("Stop with savepoint failed; cancelling. Resume from the latest retained checkpoint in {}",
                    config.checkpointDir(), e);
            job.cancel().get(1, TimeUnit.MINUTES);
            return 1;
        }
    }
}
