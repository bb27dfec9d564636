package dev.listenseq.sequence;

import java.io.Serializable;

/**
 * Limits an input event must respect to be applied.
 *
 * @param maxIdLength    longest accepted id, in characters (ids.max-length)
 * @param maxClockSkewMs how far event_time may be ahead of the record's Kafka timestamp (validation.max-clock-skew)
 */
public record ValidationRules(int maxIdLength, long maxClockSkewMs) implements Serializable {

    public static ValidationRules defaults() {
        return new ValidationRules(128, 3_600_000L);
    }
}
