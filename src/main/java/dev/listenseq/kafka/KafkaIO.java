package dev.listenseq.kafka;

import dev.listenseq.avro.DeadLetter;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;

/**
 * The job's two Kafka ends, built from narrow settings: the input source (live, or a backfill's
 * offset range) and the sinks for snapshots, dead letters, late events and the optional history.
 * Every sink is sized for its topic's record limit ({@link TopicLimits}), read once when this is made.
 */
public final class KafkaIO {

    private final KafkaSettings kafka;
    private final TopicSettings topics;
    private final TopicLimits limits;

    public KafkaIO(KafkaSettings kafka, TopicSettings topics, TopicLimits limits) {
        this.kafka = kafka;
        this.topics = topics;
        this.limits = limits;
    }

    /** With the output topics' limits read from the broker now ({@link TopicAdmin#limits}). */
    public static KafkaIO connect(KafkaSettings kafka, TopicSettings topics) {
        return new KafkaIO(kafka, topics, TopicAdmin.limits(kafka, topics));
    }

    public KafkaSettings kafka() {
        return kafka;
    }

    public TopicSettings topics() {
        return topics;
    }

    public TopicLimits limits() {
        return limits;
    }

    /** The input topics from the group's committed offsets (or kafka.starting-offsets); bounded: up to today's end. */
    public KafkaSource<RawRecord> source(boolean bounded) {
        return KafkaConnectors.source(kafka, topics, bounded);
    }

    /** A backfill's input: {@code range} of the input topics ({@link KafkaConnectors#rangeSource}). */
    public RangeSource rangeSource(OffsetRange range, String groupId, boolean finish) {
        return KafkaConnectors.rangeSource(kafka, topics, range, groupId, finish);
    }

    public KafkaSink<SnapshotRecord> snapshots() {
        return KafkaConnectors.snapshotSink(kafka, topics, limits);
    }

    public KafkaSink<DeadLetter> deadLetters() {
        return KafkaConnectors.deadLetterSink(kafka, topics, limits);
    }

    public KafkaSink<LateRecord> late() {
        return KafkaConnectors.lateSink(kafka, topics, limits);
    }

    /** The history topic's sink, or null when the job writes no history (topics.history unset). */
    public KafkaSink<SnapshotRecord> history() {
        return topics.history() == null ? null : KafkaConnectors.historySink(kafka, topics, limits);
    }

    /** The largest record the late topic takes: larger input records cannot be copied there. */
    public int lateMaxRecordBytes() {
        return limits.late();
    }
}
