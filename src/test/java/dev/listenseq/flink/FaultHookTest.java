package dev.listenseq.flink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fault-injection hook: off by default, and one armed trigger makes exactly one call throw. */
class FaultHookTest {

    @Test
    void offUnlessItsParameterIsSet() {
        assertNull(FaultHook.from(Map.of()));
        assertNull(FaultHook.from(null));
        assertNull(FaultHook.from(Map.of(FaultHook.PARAMETER, " ")));
    }

    @Test
    void anArmedTriggerThrowsOnceInOneOfSeveralSubtasks(@TempDir Path dir) throws Exception {
        FaultHook one = FaultHook.from(Map.of(FaultHook.PARAMETER, dir.toString()));
        FaultHook two = FaultHook.from(Map.of(FaultHook.PARAMETER, dir.toString()));
        assertDoesNotThrow(one::beforeRecord, "nothing armed");

        FaultHook.arm(dir);
        assertFalse(FaultHook.fired(dir));
        Thread.sleep(FaultHook.CHECK_EVERY_MS + 50);
        assertThrows(FaultHook.InjectedFault.class, one::beforeRecord);
        assertTrue(FaultHook.fired(dir));
        assertDoesNotThrow(two::beforeRecord, "the trigger was taken by the first subtask");
        Thread.sleep(FaultHook.CHECK_EVERY_MS + 50);
        assertDoesNotThrow(one::beforeRecord, "once per trigger");
    }
}
