package dev.listenseq.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fault-injection hook for the chaos suite, OFF unless the job is started with the global job
 * parameter {@value #PARAMETER} (a folder on the TaskManagers' disk), e.g.
 * {@code --flink.pipeline.global-job-parameters listenseq.chaos.fault-dir:/tmp/chaos/faults}.
 * The keyed function then looks, at most every {@value #CHECK_EVERY_MS} ms, for a trigger file in that
 * folder; the subtask that manages to delete it throws an {@link InjectedFault} once, and the job fails
 * over as for any bug in user code. Unset, the function holds a null hook and pays one null check per
 * record. Plain Java (no Flink) so the chaos driver and the function share the file's name.
 */
public final class FaultHook {

    /** The global job parameter that turns the hook on: the folder holding trigger files. */
    public static final String PARAMETER = "listenseq.chaos.fault-dir";
    static final String THROW_TRIGGER = "throw-in-keyed-function";
    static final long CHECK_EVERY_MS = 100;

    private final Path trigger;
    private long nextCheckNanos;

    private FaultHook(Path dir) {
        this.trigger = dir.resolve(THROW_TRIGGER);
    }

    /** The hook for the job's global parameters, or null when fault injection is off (the default). */
    public static FaultHook from(Map<String, String> globalJobParameters) {
        String dir = globalJobParameters == null ? null : globalJobParameters.get(PARAMETER);
        return dir == null || dir.isBlank() ? null : new FaultHook(Path.of(dir));
    }

    /** Called before each record: throws once per armed trigger, in exactly one subtask. */
    public void beforeRecord() {
        long now = System.nanoTime();
        if (now < nextCheckNanos) {
            return;
        }
        nextCheckNanos = now + TimeUnit.MILLISECONDS.toNanos(CHECK_EVERY_MS);
        boolean fired;
        try {
            // Several subtasks may see the file; only the one whose delete succeeds throws.
            fired = Files.deleteIfExists(trigger);
        } catch (IOException e) {
            return;
        }
        if (fired) {
            throw new InjectedFault("chaos: injected failure in the keyed function (trigger " + trigger + ")");
        }
    }

    /** Arms the trigger: the next record seen by any subtask after this makes it throw. */
    public static void arm(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(THROW_TRIGGER), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether an armed trigger has been consumed (a subtask threw). */
    public static boolean fired(Path dir) {
        return !Files.exists(dir.resolve(THROW_TRIGGER));
    }

    /** The exception the hook throws: recognisable in logs as deliberate. */
    public static final class InjectedFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFault(String message) {
            super(message);
        }
    }
}
