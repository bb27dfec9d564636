package dev.listenseq.sequence;

import dev.listenseq.avro.PlaySource;
import dev.listenseq.avro.state.ItemState;

import java.io.Serializable;

/**
 * The weighting formula of docs/design.md, with every constant from configuration.
 *
 * <pre>
 * completion c = clamp(played_ms / duration_ms, 0, 1)      (duration_ms defaults to defaultDurationMs)
 * decay d(t)   = 2^(-(as_of - t) / halfLife)                (event time)
 * weight       = (1 + repeatBoost * ln(plays)) * sum_PLAY s*c*d
 *                - skipPenalty * sum_SKIP (1 - c)*d
 *                + likeWeight * d(first LIKE) + collectWeight * d(first COLLECT)
 * </pre>
 * where s is the play's play-source multiplier ({@link PlaySourceWeights}; 1 for a play that names
 * no source, and 1 for every source by default).
 *
 * <p>The decayed sums are stored per item relative to the item's own last_time (see
 * {@link ItemState}), so the weight at any as_of is one multiplication away and does not depend on
 * the order in which the item's events arrived. The play-source multiplier is folded into the
 * stored play sum when the play is applied: changing it later weighs the plays applied from then on,
 * while earlier plays keep the multiplier they were applied with until they decay away or the state
 * is rebuilt by a backfill (as for the half-life).
 */
public record Weighting(
        long halfLifeMs,
        long defaultDurationMs,
        double repeatBoost,
        double skipPenalty,
        double likeWeight,
        double collectWeight,
        PlaySourceWeights playSources) implements Serializable {

    private static final double LN2 = Math.log(2);

    public Weighting {
        if (halfLifeMs <= 0 || defaultDurationMs <= 0) {
            throw new IllegalArgumentException("half-life and default duration must be positive");
        }
        if (playSources == null) {
            throw new IllegalArgumentException("play-source weights are required; PlaySourceWeights.neutral() changes nothing");
        }
    }

    /** Weights that ignore the play source. */
    public Weighting(long halfLifeMs, long defaultDurationMs, double repeatBoost, double skipPenalty,
                     double likeWeight, double collectWeight) {
        this(halfLifeMs, defaultDurationMs, repeatBoost, skipPenalty, likeWeight, collectWeight,
                PlaySourceWeights.neutral());
    }

    /** The same weights with these play-source multipliers. */
    public Weighting withPlaySources(PlaySourceWeights multipliers) {
        return new Weighting(halfLifeMs, defaultDurationMs, repeatBoost, skipPenalty, likeWeight, collectWeight,
                multipliers);
    }

    /** What one play adds to the item's play sum at its own time: s * c. */
    public double playTerm(double completion, PlaySource source) {
        return playSources.multiplier(source) * completion;
    }

    /** The defaults of docs/design.md. */
    public static Weighting defaults() {
        return new Weighting(14L * 24 * 3600 * 1000, 180_000, 0.5, 1.0, 2.0, 3.0);
    }

    /** clamp(played / duration, 0, 1), with the default duration when the song's is unknown. */
    public double completion(long playedMs, Long durationMs) {
        double duration = durationMs != null ? durationMs : defaultDurationMs;
        return Math.max(0.0, Math.min(1.0, playedMs / duration));
    }

    /** 2^(-elapsed / halfLife); elapsed is in milliseconds of event time. */
    public double decay(long elapsedMs) {
        return elapsedMs == 0 ? 1.0 : Math.exp(-LN2 * elapsedMs / halfLifeMs);
    }

    /** The item's weight decayed to asOf (asOf is at or after the item's last_time). */
    public double weight(ItemState item, long asOf) {
        double toAsOf = decay(asOf - item.getLastTime());
        int plays = item.getPlays();
        double repeat = 1.0 + (plays > 0 ? repeatBoost * Math.log(plays) : 0.0);
        double w = repeat * item.getPlaySum() * toAsOf - skipPenalty * item.getSkipSum() * toAsOf;
        if (item.getLikeTime() != null) {
            w += likeWeight * decay(asOf - item.getLikeTime());
        }
        if (item.getCollectTime() != null) {
            w += collectWeight * decay(asOf - item.getCollectTime());
        }
        return w;
    }
}
