package dev.listenseq.kafka;

import org.slf4j.Logger;

/**
 * A warning logged at most once a minute: a hostile stream can trigger one per record, and the
 * counters, not the log, are what carry the totals.
 */
public final class RateLimitedLog {

    private static final long INTERVAL_NANOS = 60_000_000_000L;

    private final Logger log;
    private long lastNanos;
    private boolean logged;

    public RateLimitedLog(Logger log) {
        this.log = log;
    }

    public void warn(String format, Object... args) {
        long now = System.nanoTime();
        if (!logged || now - lastNanos >= INTERVAL_NANOS) {
            logged = true;
            lastNanos = now;
            log.warn(format, args);
        }
    }
}
