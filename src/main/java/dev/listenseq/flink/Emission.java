package dev.listenseq.flink;

/**
 * When {@link SequenceFunction} emits a user's snapshot. Every mode ends a bounded input with the
 * same final snapshot per user; they differ in how many intermediate snapshots come before it.
 */
public enum Emission {

    /** An unbounded input: at most one snapshot per user per emit.min-interval ({@code EmitThrottle}). */
    THROTTLED,

    /** A bounded input read like a stream: throttled, and the end of input emits every snapshot still waiting. */
    THROTTLED_THEN_FLUSH,

    /**
     * A bounded input whose intermediate snapshots nobody needs (backfill.emit at-end): no emission
     * per event and no throttle timers; each changed user gets one event-time timer at the end of time,
     * and the final watermark emits its snapshot once.
     */
    AT_END;

    boolean bounded() {
        return this != THROTTLED;
    }
}
