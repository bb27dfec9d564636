package dev.listenseq.sequence;

import java.io.Serializable;

/**
 * Per-user bounds of the keyed state beyond the sequence itself (docs/state.md).
 *
 * @param maxSeenIds    event ids remembered for de-duplication, in two generations of half each: the
 *                      newest maxSeenIds / 2 are always remembered, never more than maxSeenIds
 * @param maxPending    event-time ordering: records parked per user until the watermark passes them;
 *                      the next one goes to the late topic ({@code PENDING_FULL})
 * @param expireAfterMs a user without events for this long (by Kafka record timestamps) loses its whole
 *                      state; 0: never
 */
public record StateLimits(int maxSeenIds, int maxPending, long expireAfterMs) implements Serializable {

    public static final int DEFAULT_MAX_SEEN_IDS = 10_000;
    public static final int DEFAULT_MAX_PENDING = 1_000;

    public StateLimits {
        if (maxSeenIds < 2 || maxPending < 1 || expireAfterMs < 0) {
            throw new IllegalArgumentException("invalid state limits " + maxSeenIds + "/" + maxPending + "/" + expireAfterMs);
        }
    }

    public static StateLimits defaults() {
        return new StateLimits(DEFAULT_MAX_SEEN_IDS, DEFAULT_MAX_PENDING, 0);
    }

    public boolean expires() {
        return expireAfterMs > 0;
    }
}
