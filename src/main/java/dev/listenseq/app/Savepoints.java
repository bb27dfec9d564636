package dev.listenseq.app;

import dev.listenseq.config.JobConfig;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

import java.util.concurrent.TimeUnit;

/** Stopping a job with a savepoint, the way every command does it. */
final class Savepoints {

    private Savepoints() {
    }

    /**
     * Stops the job with a canonical savepoint in savepoint.dir, without draining (pending work stays
     * in state for whoever restores it), and waits for the job to end. Returns the savepoint's path.
     */
    static String stop(JobClient job, JobConfig config) throws Exception {
        String savepoint = job.stopWithSavepoint(false, config.savepointDir(), SavepointFormatType.CANONICAL)
                .get(5, TimeUnit.MINUTES);
        job.getJobExecutionResult().get(1, TimeUnit.MINUTES);
        return savepoint;
    }
}
