package dev.listenseq.app;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.util.ExceptionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Stopping a job with a savepoint, the way every command does it. */
final class Savepoints {

    private static final Logger LOG = LoggerFactory.getLogger(Savepoints.class);
    /** Flink refuses a savepoint while tasks are still being deployed; it is worth waiting for them. */
    private static final String NOT_RUNNING_YET = "Not all required tasks are currently running";
    private static final long WAIT_FOR_TASKS_MS = 120_000;

    private Savepoints() {
    }

    /**
     * Stops the job with a canonical savepoint in {@code savepointDir}, without draining (pending work stays
     * in state for whoever restores it), and waits for the job to end. Returns the savepoint's path.
     */
    static String stop(JobClient job, String savepointDir) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_FOR_TASKS_MS;
        while (job.getJobStatus().get(1, TimeUnit.MINUTES) != JobStatus.RUNNING
                && !job.getJobStatus().get(1, TimeUnit.MINUTES).isTerminalState()
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        while (true) {
            try {
                String savepoint = job.stopWithSavepoint(false, savepointDir, SavepointFormatType.CANONICAL)
                        .get(5, TimeUnit.MINUTES);
                job.getJobExecutionResult().get(1, TimeUnit.MINUTES);
                return savepoint;
            } catch (ExecutionException e) {
                if (ExceptionUtils.findThrowableWithMessage(e, NOT_RUNNING_YET).isEmpty()
                        || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                LOG.info("The job's tasks are still starting; trying the savepoint again in a moment");
                Thread.sleep(500);
            }
        }
    }
}
