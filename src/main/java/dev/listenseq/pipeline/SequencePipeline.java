package dev.listenseq.pipeline;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.flink.DecodeFunction;
import dev.listenseq.flink.Emission;
import dev.listenseq.flink.EventTimeAssigner;
import dev.listenseq.flink.EventTimeWatermarks;
import dev.listenseq.flink.KeyedRecord;
import dev.listenseq.flink.RecordCheck;
import dev.listenseq.flink.SequenceFunction;
import dev.listenseq.flink.SequenceOperator;
import dev.listenseq.flink.SequenceSettings;
import dev.listenseq.kafka.LateRecord;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.kafka.TopicLimits;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/**
 * The job graph, and only the graph: every way of running the job (stream, backfill, demo, the
 * bench, tests) passes in its source of raw records and its sinks, and gets this same graph.
 *
 * <pre>
 *  source ──► Decode and validate ──keyBy(user_id)──► Build sequences ──► snapshots sink (+ history sink)
 *  (kafka-listen-events) (decode-validate)             (sequence-builder)   (kafka-user-sequences,
 *                              │ dead letters               │ late events     kafka-user-sequence-history)
 *                              ▼                            ▼
 *                      dead-letter sink              late sink
 *                      (kafka-dead-letters)          (kafka-late-events)
 * </pre>
 *
 * A tombstone on the input (null value, key user_id) erases the user: it travels keyed like an event,
 * the builder clears the user's state and sends a tombstone for the key down the snapshot stream.
 *
 * Operator uids (in brackets) are part of the savepoint format: never change them. The source and
 * sink operators keep their Kafka uids and names whatever is passed in, so savepoints, metrics and
 * dashboards see one job.
 */
public final class SequencePipeline {

    public static final String SOURCE_UID = "kafka-listen-events";
    public static final String DECODE_UID = "decode-validate";
    public static final String SEQUENCE_UID = "sequence-builder";
    public static final String SNAPSHOT_SINK_UID = "kafka-user-sequences";
    public static final String DLQ_SINK_UID = "kafka-dead-letters";
    public static final String LATE_SINK_UID = "kafka-late-events";
    public static final String HISTORY_SINK_UID = "kafka-user-sequence-history";

    /**
     * Where the graph's outputs go. Snapshots include the tombstones of erased users; history, when
     * not null, gets the same snapshots (the optional non-compacted history topic).
     *
     * @param lateMaxRecordBytes the largest record the late sink can write: late events are copied byte
     *                           for byte and cannot be cut, so larger input records are dead-lettered
     *                           up front ({@link TopicLimits#budget})
     */
    public record Sinks(Sink<SnapshotRecord> snapshots, Sink<DeadLetter> deadLetters, Sink<LateRecord> late,
                        Sink<SnapshotRecord> history, int lateMaxRecordBytes) {
    }

    private SequencePipeline() {
    }

    /**
     * Builds the whole job into {@code env}. {@code emission} says when snapshots are emitted; the
     * bounded modes need a source that ends (the final watermark flushes what waits).
     */
    public static void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source, Sinks sinks,
                             SequenceSettings settings, Emission emission) {
        build(read(env, source, settings, sinks.lateMaxRecordBytes()), sinks, settings, emission);
    }

    /**
     * As {@link #build(StreamExecutionEnvironment, Source, Sinks, SequenceSettings, Emission)} from an
     * input already read with {@link #read}, for a caller that puts a step of its own in between
     * (a test's fault injection).
     */
    public static void build(DataStream<RawRecord> input, Sinks sinks, SequenceSettings settings,
                             Emission emission) {
        SingleOutputStreamOperator<KeyedRecord> valid = input
                .process(new DecodeFunction(recordCheck(settings, sinks.lateMaxRecordBytes()), settings.dlqMaxCopyBytes()))
                .uid(DECODE_UID)
                .name("Decode and validate");
        SingleOutputStreamOperator<SnapshotRecord> snapshots = valid
                .keyBy(r -> r.userId, Types.STRING)
                // The function's own operator (a KeyedProcessOperator that flushes the state cache before
                // each checkpoint barrier), under the same uid: savepoints of the plain process() operator restore.
                .transform("Build sequences", TypeInformation.of(SnapshotRecord.class), new SequenceOperator(
                        new SequenceFunction(settings.policy(), settings.limits(), settings.weighting(),
                                settings.emitMinInterval().toMillis(), settings.eventTime(), emission),
                        settings.stateCache()))
                .uid(SEQUENCE_UID)
                .name("Build sequences");
        snapshots.sinkTo(sinks.snapshots()).uid(SNAPSHOT_SINK_UID).name("Kafka: user sequences");
        valid.getSideOutput(DecodeFunction.DEAD_LETTERS).sinkTo(sinks.deadLetters())
                .uid(DLQ_SINK_UID).name("Kafka: dead letters");
        snapshots.getSideOutput(SequenceFunction.LATE).sinkTo(sinks.late())
                .uid(LATE_SINK_UID).name("Kafka: late events");
        if (sinks.history() != null) {
            // Optional: a new sink with no state, so savepoints from before it still restore.
            snapshots.sinkTo(sinks.history()).uid(HISTORY_SINK_UID).name("Kafka: sequence history");
        }
    }

    /**
     * The input stream. Event-time ordering needs watermarks: they are generated per source split
     * (per Kafka partition, inside the source), so how far one partition is ahead of another never
     * makes an event late.
     */
    public static DataStream<RawRecord> read(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source,
                                             SequenceSettings settings, int lateMaxRecordBytes) {
        return env.fromSource(source, watermarks(settings, lateMaxRecordBytes), "Kafka: listen events").uid(SOURCE_UID);
    }

    /**
     * Per-partition watermarks that neither a record the job dead-letters nor an event ahead of its
     * own Kafka timestamp can move forward ({@link EventTimeWatermarks}).
     */
    static WatermarkStrategy<RawRecord> watermarks(SequenceSettings settings, int lateMaxRecordBytes) {
        SequenceSettings.EventTimeOrdering ordering = settings.ordering();
        if (ordering == null) {
            return WatermarkStrategy.noWatermarks();
        }
        // The supplier is shipped with the job graph: it may capture only serializable values.
        Duration maxDisorder = ordering.maxDisorder();
        WatermarkStrategy<RawRecord> strategy = WatermarkStrategy.<RawRecord>forGenerator(
                        context -> new EventTimeWatermarks(maxDisorder))
                .withTimestampAssigner(new EventTimeAssigner(recordCheck(settings, lateMaxRecordBytes)));
        return ordering.idleTimeout() == null ? strategy : strategy.withIdleness(ordering.idleTimeout());
    }

    /** The check every input record passes, in the decode step and for watermarks alike. */
    static RecordCheck recordCheck(SequenceSettings settings, int lateMaxRecordBytes) {
        return new RecordCheck(settings.validation(), TopicLimits.budget(lateMaxRecordBytes));
    }
}
