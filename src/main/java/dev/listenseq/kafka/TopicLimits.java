package dev.listenseq.kafka;

import java.io.Serializable;

/**
 * The largest record, in bytes, each output topic accepts: the topic's {@code max.message.bytes}
 * as the broker reports it at start (its override, else the broker's {@code message.max.bytes}),
 * lowered to {@code kafka.client.max.request.size} when that is set. Each sink's producer gets its
 * topic's figure as {@code max.request.size}, and every record the job writes is kept under
 * {@link #budget(int)} of it, so no write can fail for its size.
 *
 * @param output  the snapshot topic (topics.output)
 * @param history the history topic (topics.history); equal to output when there is none
 * @param dlq     the dead-letter topic (topics.dlq)
 * @param late    the late topic (topics.late)
 */
public record TopicLimits(int output, int history, int dlq, int late) implements Serializable {

    /** Kafka's default {@code message.max.bytes}: 1 MiB plus the record batch overhead. */
    public static final int BROKER_DEFAULT = 1_048_588;

    /** Headers, record and batch framing; covers topic names up to Kafka's 249 characters. */
    static final int FRAMING_RESERVE = 2048;

    public TopicLimits {
        for (int limit : new int[] {output, history, dlq, late}) {
            if (limit <= FRAMING_RESERVE * 2) {
                throw new IllegalArgumentException("a topic limit of " + limit + " bytes leaves no room for a record;"
                        + " raise the topic's max.message.bytes (or kafka.client.max.request.size)");
            }
        }
    }

    /** The limits of a broker whose topics keep Kafka's defaults. */
    public static TopicLimits brokerDefaults() {
        return new TopicLimits(BROKER_DEFAULT, BROKER_DEFAULT, BROKER_DEFAULT, BROKER_DEFAULT);
    }

    /**
     * What a record's key and value together may take on a topic whose limit is {@code topicLimit}:
     * the limit less the framing (headers, record and batch overhead) and a slack for compression,
     * which stores incompressible blocks raw with a few bytes of framing each (LZ4, zstd, gzip).
     */
    public static int budget(int topicLimit) {
        return topicLimit - FRAMING_RESERVE - topicLimit / 512;
    }
}
