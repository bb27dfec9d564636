package dev.listenseq.pipeline;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.DecodeFunction;
import dev.listenseq.flink.EventTimeAssigner;
import dev.listenseq.flink.EventTimeWatermarks;
import dev.listenseq.flink.KeyedRecord;
import dev.listenseq.flink.RecordCheck;
import dev.listenseq.flink.SequenceFunction;
import dev.listenseq.flink.SequenceOperator;
import dev.listenseq.kafka.KafkaConnectors;
import dev.listenseq.kafka.LateRecord;
import dev.listenseq.kafka.OffsetRange;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.kafka.TopicLimits;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/**
 * The job graph, shared by every way of running it (stream, demo, tests):
 *
 * <pre>
 *  Kafka listen-events ──► Decode and validate ──keyBy(user_id)──► Build sequences ──► Kafka user-sequences
 *   (kafka-listen-events)   (decode-validate)                      (sequence-builder)   (kafka-user-sequences)
 *                               │ dead letters                         │ late events
 *                               ▼                                      ▼
 *                        Kafka listen-events-dlq                Kafka listen-events-late
 *                        (kafka-dead-letters)                   (kafka-late-events)
 * </pre>
 *
 * A tombstone on the input (null value, key user_id) erases the user: it travels keyed like an event,
 * the builder clears the user's state and sends a tombstone for the key down the snapshot stream.
 *
 * With topics.history set, the snapshots (and tombstones) also go to a non-compacted history topic
 * (kafka-user-sequence-history) for point-in-time reads.
 *
 * Operator uids (in brackets) are part of the savepoint format: never change them.
 */
public final class SequencePipeline {

    public static final String SOURCE_UID = "kafka-listen-events";
    public static final String DECODE_UID = "decode-validate";
    public static final String SEQUENCE_UID = "sequence-builder";
    public static final String SNAPSHOT_SINK_UID = "kafka-user-sequences";
    public static final String DLQ_SINK_UID = "kafka-dead-letters";
    public static final String LATE_SINK_UID = "kafka-late-events";
    public static final String HISTORY_SINK_UID = "kafka-user-sequence-history";

    /** The three outputs of the graph; snapshots include the tombstones of erased users. */
    public record Outputs(DataStream<SnapshotRecord> snapshots, DataStream<DeadLetter> deadLetters,
                          DataStream<LateRecord> late) {
    }

    private SequencePipeline() {
    }

    /**
     * The whole job, Kafka to Kafka. Bounded: stop at the input offsets that are latest at start.
     * The output topics' size limits are read from the broker now ({@link TopicAdmin#limits}).
     */
    public static void kafkaToKafka(StreamExecutionEnvironment env, JobConfig config, boolean bounded) {
        kafkaToKafka(env, config, TopicAdmin.limits(config), bounded);
    }

    public static void kafkaToKafka(StreamExecutionEnvironment env, JobConfig config, TopicLimits limits, boolean bounded) {
        DataStream<RawRecord> input = readFrom(env, KafkaConnectors.source(config, bounded), config, limits);
        writeToKafka(build(input, config, limits, bounded), config, limits);
    }

    /**
     * The backfill: the same job over {@code range} of the input. With {@code finish} the input ends
     * at the stop offsets and flushes everything; without, the job idles there for a hand-off savepoint.
     */
    public static void rangeToKafka(StreamExecutionEnvironment env, JobConfig config, OffsetRange range,
                                    String groupId, boolean finish) {
        TopicLimits limits = TopicAdmin.limits(config);
        DataStream<RawRecord> input = readFrom(env, KafkaConnectors.rangeSource(config, range, groupId, finish), config, limits);
        writeToKafka(build(input, config, limits, finish), config, limits);
    }

    /**
     * The input stream. Event-time ordering needs watermarks: they are generated per Kafka partition
     * (inside the source), so how far one partition is ahead of another never makes an event late.
     */
    public static DataStream<RawRecord> readFrom(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source,
                                                 JobConfig config, TopicLimits limits) {
        return env.fromSource(source, watermarks(config, limits), "Kafka: listen events").uid(SOURCE_UID);
    }

    /** As {@link #readFrom(StreamExecutionEnvironment, Source, JobConfig, TopicLimits)} for topics with Kafka's default limits. */
    public static DataStream<RawRecord> readFrom(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source,
                                                 JobConfig config) {
        return readFrom(env, source, config, TopicLimits.brokerDefaults());
    }

    /**
     * Per-partition watermarks that neither a record the job dead-letters nor an event ahead of its
     * own Kafka timestamp can move forward ({@link EventTimeWatermarks}).
     */
    static WatermarkStrategy<RawRecord> watermarks(JobConfig config, TopicLimits limits) {
        JobConfig.Ordering ordering = config.ordering();
        if (!ordering.eventTime()) {
            return WatermarkStrategy.noWatermarks();
        }
        // The supplier is shipped with the job graph: it may capture only serializable values.
        Duration maxDisorder = ordering.maxDisorder();
        WatermarkStrategy<RawRecord> strategy = WatermarkStrategy.<RawRecord>forGenerator(
                        context -> new EventTimeWatermarks(maxDisorder))
                .withTimestampAssigner(new EventTimeAssigner(recordCheck(config, limits)));
        return ordering.idleTimeout() == null ? strategy : strategy.withIdleness(ordering.idleTimeout());
    }

    /**
     * Decode, validate, key by user and build sequences; sinks are attached by the caller. Records are
     * sized for output topics with Kafka's default limits.
     */
    public static Outputs build(DataStream<RawRecord> input, JobConfig config) {
        return build(input, config, TopicLimits.brokerDefaults(), false);
    }

    /**
     * As {@link #build(DataStream, JobConfig)} for the output topics' {@code limits};
     * {@code flushAtEndOfInput} makes the end of a bounded input emit every snapshot still waiting
     * for its emit interval.
     */
    public static Outputs build(DataStream<RawRecord> input, JobConfig config, TopicLimits limits,
                                boolean flushAtEndOfInput) {
        SingleOutputStreamOperator<KeyedRecord> valid = input
                .process(new DecodeFunction(recordCheck(config, limits), config.dlqMaxCopyBytes()))
                .uid(DECODE_UID)
                .name("Decode and validate");
        SequenceFunction sequences = new SequenceFunction(config.policy(), config.limits(), config.weighting(),
                config.emitMinInterval().toMillis(), config.ordering().eventTime(), flushAtEndOfInput);
        // The function's own operator (a KeyedProcessOperator that flushes the state cache before each
        // checkpoint barrier), under the same uid: savepoints of the plain process() operator restore.
        SingleOutputStreamOperator<SnapshotRecord> snapshots = valid
                .keyBy(r -> r.userId, Types.STRING)
                .transform("Build sequences", TypeInformation.of(SnapshotRecord.class),
                        new SequenceOperator(sequences, config.stateCacheUsers()))
                .uid(SEQUENCE_UID)
                .name("Build sequences");
        return new Outputs(snapshots,
                valid.getSideOutput(DecodeFunction.DEAD_LETTERS),
                snapshots.getSideOutput(SequenceFunction.LATE));
    }

    /** The check every input record passes, in the decode step and for watermarks alike. */
    static RecordCheck recordCheck(JobConfig config, TopicLimits limits) {
        return new RecordCheck(config.validation(), TopicLimits.budget(limits.late()));
    }

    /** Attaches the Kafka sinks, with the output topics' limits read from the broker now. */
    public static void writeToKafka(Outputs outputs, JobConfig config) {
        writeToKafka(outputs, config, TopicAdmin.limits(config));
    }

    public static void writeToKafka(Outputs outputs, JobConfig config, TopicLimits limits) {
        outputs.snapshots().sinkTo(KafkaConnectors.snapshotSink(config, limits))
                .uid(SNAPSHOT_SINK_UID).name("Kafka: user sequences");
        outputs.deadLetters().sinkTo(KafkaConnectors.deadLetterSink(config, limits))
                .uid(DLQ_SINK_UID).name("Kafka: dead letters");
        outputs.late().sinkTo(KafkaConnectors.lateSink(config, limits))
                .uid(LATE_SINK_UID).name("Kafka: late events");
        if (config.topics().history() != null) {
            // Optional (topics.history): a new sink with no state, so savepoints from before it still restore.
            outputs.snapshots().sinkTo(KafkaConnectors.historySink(config, limits))
                    .uid(HISTORY_SINK_UID).name("Kafka: sequence history");
        }
    }
}
