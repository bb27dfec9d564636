package dev.listenseq.app;

import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.kafka.BrokerChecks;
import org.apache.flink.core.execution.JobClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
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
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);

    private StreamCommand() {
    }

    /** Runs the job on a local MiniCluster until it ends or SIGTERM stops it with a savepoint; the exit code. */
    static int run(List<String> args) throws Exception {
        JobConfig config = JobConfig.from(Settings.load("streaming", args));
        JobRunner runner = JobRunner.inProcess(config);
        RetainedState state = runner.resumeRetained();
        JobClient job = runner.startLive();
        JobRunner.Ended ended = runner.follow(job, JobRunner.stopOnSignal(), PROGRESS_EVERY, j -> {
            LOG.info("Progress: {}", InProcessMetrics.counters(j.getJobID()));
            return false;
        });
        if (ended == JobRunner.Ended.FINISHED) {
            LOG.info("Job {} finished", config.jobName());
            return 0;
        }
        LOG.info("Stopping job {} with a savepoint in {} ...", config.jobName(), state.savepoints());
        try {
            String savepoint = runner.stopWithSavepoint(job);
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

    /** Submits the job to the cluster that called main and returns at once. */
    static void submit(List<String> args) throws Exception {
        JobRunner.onCluster(JobConfig.from(Settings.load("streaming", args))).startLive();
    }
}
