package dev.listenseq.sequence;

import java.io.Serializable;

/**
 * Bounds of one user's sequence (docs/design.md, "Sequence policy").
 *
 * @param maxItems      songs kept; the lowest-ranked (oldest last_time, then highest song_id) goes first
 * @param maxAgeMs      songs with last_time older than as_of minus this are dropped, and events older
 *                      than it are late
 * @param recentEvents  raw events kept in the recent tail
 * @param dedupWindowMs event ids are remembered this far back from as_of (at most maxAgeMs)
 */
public record SequencePolicy(int maxItems, long maxAgeMs, int recentEvents, long dedupWindowMs)
        implements Serializable {

    public SequencePolicy {
        if (maxItems < 1 || maxAgeMs < 1 || recentEvents < 0 || dedupWindowMs < 1 || dedupWindowMs > maxAgeMs) {
            throw new IllegalArgumentException("invalid sequence policy " + maxItems + "/" + maxAgeMs + "/"
                    + recentEvents + "/" + dedupWindowMs);
        }
    }

    /** The defaults of docs/design.md: 200 items, 90 days, 20 recent events, duplicates caught over the whole horizon. */
    public static SequencePolicy defaults() {
        long ninetyDays = 90L * 24 * 3600 * 1000;
        return new SequencePolicy(200, ninetyDays, 20, ninetyDays);
    }
}
