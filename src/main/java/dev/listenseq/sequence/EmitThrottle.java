package dev.listenseq.sequence;

/**
 * Per-user emission throttle: at most one snapshot per interval. The first change after a quiet
 * interval is emitted at once (leading edge); changes inside the interval wait for one timer at its
 * end (trailing edge), which emits them together. Times are processing time in milliseconds;
 * {@link Long#MIN_VALUE} means "never" / "no timer".
 *
 * <p>A timer the state says is pending but that is overdue by a whole interval is taken as lost, and
 * the change is emitted at once: otherwise a user whose timer did not survive a restore would wait
 * for it forever. (Flink keeps timers across a change of where RocksDB keeps them only in canonical
 * savepoints; a checkpoint restored that way loses them.)
 */
public final class EmitThrottle {

    /** Emit now, schedule a timer at {@code timerAt}, or do nothing because a timer is pending. */
    public record Decision(boolean emitNow, long timerAt) {
        static final Decision EMIT = new Decision(true, Long.MIN_VALUE);
        static final Decision WAIT = new Decision(false, Long.MIN_VALUE);

        public boolean schedules() {
            return timerAt != Long.MIN_VALUE;
        }
    }

    private final long minIntervalMs;

    public EmitThrottle(long minIntervalMs) {
        this.minIntervalMs = minIntervalMs;
    }

    public Decision afterChange(long nowMs, long lastEmitMs, long timerMs) {
        if (timerMs != Long.MIN_VALUE && nowMs - timerMs < minIntervalMs) {
            return Decision.WAIT;
        }
        if (lastEmitMs == Long.MIN_VALUE || nowMs - lastEmitMs >= minIntervalMs) {
            return Decision.EMIT;
        }
        return new Decision(false, lastEmitMs + minIntervalMs);
    }
}
