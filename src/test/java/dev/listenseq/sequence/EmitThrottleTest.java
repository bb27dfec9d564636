package dev.listenseq.sequence;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmitThrottleTest {

    private static final long NEVER = Long.MIN_VALUE;
    private final EmitThrottle throttle = new EmitThrottle(1000);

    @Test
    void theFirstChangeIsEmittedAtOnce() {
        assertTrue(throttle.afterChange(0, NEVER, NEVER).emitNow());
        assertTrue(throttle.afterChange(5000, 3999, NEVER).emitNow(), "a quiet interval has passed");
    }

    @Test
    void changesInsideTheIntervalWaitForOneTimerAtItsEnd() {
        EmitThrottle.Decision d = throttle.afterChange(1200, 1000, NEVER);
        assertFalse(d.emitNow());
        assertTrue(d.schedules());
        assertEquals(2000, d.timerAt());
        EmitThrottle.Decision pending = throttle.afterChange(1500, 1000, 2000);
        assertFalse(pending.emitNow());
        assertFalse(pending.schedules(), "one pending timer per user");
    }

    @Test
    void aTimerOverdueByAWholeIntervalIsTakenAsLost() {
        assertFalse(throttle.afterChange(2999, 1000, 2000).emitNow(), "late, not yet lost");
        assertTrue(throttle.afterChange(3000, 1000, 2000).emitNow());
    }

    @Test
    void zeroIntervalEmitsEveryChange() {
        EmitThrottle every = new EmitThrottle(0);
        assertTrue(every.afterChange(1000, 1000, NEVER).emitNow());
    }
}
