package dev.listenseq.chaos;

import java.util.Locale;

/** The faults the chaos suite injects; the name is what {@code --kinds} takes. */
public enum FaultKind {
    /** An exception thrown inside the keyed function ({@link FaultHook}); the job fails over. */
    EXCEPTION("exception", false),
    /** {@code kill -9} of a TaskManager process, and a replacement started (cluster target). */
    TASKMANAGER("taskmanager", false),
    /** The Kafka broker stopped for {@code --broker-outage} and started again on its log. */
    BROKER("broker", false),
    /**
     * {@code kill -9} of a TaskManager the moment the REST API reports a newly completed checkpoint:
     * the commit notifications are in flight, so the sink's commit races the kill (cluster target).
     */
    AFTER_CHECKPOINT("after-checkpoint", false),
    /**
     * {@code kill -9} of the JobManager, and a new one started, on the cluster with ZooKeeper HA: the new
     * JobManager recovers the job from ZooKeeper and its latest checkpoint (cluster target).
     */
    JOBMANAGER("jobmanager", false),
    /**
     * {@code kill -9} of the whole {@code stream} process and the same command line started again
     * (process target). Passes only once {@code stream} resumes by itself from its newest retained checkpoint.
     */
    PROCESS("process", true);

    private final String flag;
    private final boolean processTarget;

    FaultKind(String flag, boolean processTarget) {
        this.flag = flag;
        this.processTarget = processTarget;
    }

    public String flag() {
        return flag;
    }

    /** Needs the job as a {@code stream} child process rather than on the multi-process cluster. */
    boolean needsProcessTarget() {
        return processTarget;
    }

    /** Kinds only the multi-process cluster can inject. */
    boolean needsClusterTarget() {
        return this == TASKMANAGER || this == AFTER_CHECKPOINT || this == JOBMANAGER;
    }

    static FaultKind parse(String flag) {
        for (FaultKind kind : values()) {
            if (kind.flag.equals(flag.trim().toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        throw new IllegalArgumentException(flag);
    }
}
