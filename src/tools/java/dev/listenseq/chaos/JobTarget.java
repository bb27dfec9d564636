package dev.listenseq.chaos;

import java.util.Set;

/** Where the chaos run's job runs, and the faults only that place can inject. */
interface JobTarget extends AutoCloseable {

    /** Starts the job with these {@code stream} arguments; returns once it runs. */
    void start(java.util.List<String> streamArgs) throws Exception;

    /** The target-specific kinds it can inject. */
    Set<FaultKind> kinds();

    /**
     * Injects one fault of a kind from {@link #kinds()}; returns the epoch ms at which the fault was
     * over (the kill done, the replacement started), from which recovery is timed.
     */
    long inject(FaultKind kind, java.util.Random random) throws Exception;

    /**
     * Supervises the job's processes (replaces what exited by itself, as Kubernetes would) and throws
     * if the job can no longer recover by itself (failed for good, process gone).
     */
    void checkAlive() throws Exception;

    /** Anything the target saw happen besides the injected faults, for the report; empty if nothing. */
    default String observations() {
        return "";
    }

    /** Where to look when something goes wrong. */
    String logs();
}
