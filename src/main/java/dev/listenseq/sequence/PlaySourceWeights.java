package dev.listenseq.sequence;

import dev.listenseq.avro.PlaySource;

import java.io.Serializable;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * A multiplier on the play term per {@link PlaySource} (ListenEvent v2's play_source). A play with
 * no play source (every v1 event, and v2 events that leave it null) is multiplied by 1. All 1.0,
 * the default, means the play source does not change any weight.
 *
 * <p>Immutable; equal when every multiplier is equal.
 */
public final class PlaySourceWeights implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final PlaySourceWeights NEUTRAL = new PlaySourceWeights(new EnumMap<>(PlaySource.class));

    private final double[] multipliers;

    private PlaySourceWeights(Map<PlaySource, Double> given) {
        multipliers = new double[PlaySource.values().length];
        Arrays.fill(multipliers, 1.0);
        given.forEach((source, m) -> {
            if (!(m >= 0) || Double.isInfinite(m)) {
                throw new IllegalArgumentException("play-source multiplier of " + source + " is " + m
                        + "; it must be a finite number at least 0");
            }
            multipliers[source.ordinal()] = m;
        });
    }

    /** Every multiplier 1.0: play sources change nothing. */
    public static PlaySourceWeights neutral() {
        return NEUTRAL;
    }

    /** The given multipliers; sources not in the map keep 1.0. */
    public static PlaySourceWeights of(Map<PlaySource, Double> multipliers) {
        return new PlaySourceWeights(multipliers);
    }

    /** The multiplier of a play from {@code source}; 1.0 when the event names none. */
    public double multiplier(PlaySource source) {
        return source == null ? 1.0 : multipliers[source.ordinal()];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlaySourceWeights && Arrays.equals(multipliers, ((PlaySourceWeights) o).multipliers);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(multipliers);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("PlaySourceWeights[");
        for (PlaySource source : PlaySource.values()) {
            if (multipliers[source.ordinal()] != 1.0) {
                s.append(s.charAt(s.length() - 1) == '[' ? "" : ", ").append(source).append('=')
                        .append(multipliers[source.ordinal()]);
            }
        }
        return s.append(']').toString();
    }
}
