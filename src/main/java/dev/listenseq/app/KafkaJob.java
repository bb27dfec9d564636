package dev.listenseq.app;

import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.Emission;
import dev.listenseq.kafka.KafkaIO;
import dev.listenseq.kafka.OffsetRange;
import dev.listenseq.pipeline.SequencePipeline;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job graph with Kafka at both ends: {@link SequencePipeline} fed by {@link KafkaIO}. The live
 * job and the backfill differ only in their source; {@link JobRunner} starts them, and tests and
 * the bench build them into an environment of their own.
 */
public final class KafkaJob {

    private KafkaJob() {
    }

    /** The four Kafka sinks of the graph, sized for the topics' limits {@code io} read. */
    public static SequencePipeline.Sinks sinks(KafkaIO io) {
        return new SequencePipeline.Sinks(io.snapshots(), io.deadLetters(), io.late(), io.history(),
                io.lateMaxRecordBytes());
    }

    /**
     * The live job: the input topics from the group's committed offsets. Bounded: stops at the end
     * offsets of when it starts and flushes every snapshot still waiting for its emit interval.
     */
    public static void live(StreamExecutionEnvironment env, JobConfig config, KafkaIO io, boolean bounded) {
        SequencePipeline.build(env, io.source(bounded), sinks(io), JobParts.sequence(config),
                bounded ? Emission.THROTTLED_THEN_FLUSH : Emission.THROTTLED);
    }

    /** As {@link #live(StreamExecutionEnvironment, JobConfig, KafkaIO, boolean)}, with the topics' limits read from the broker now. */
    public static void live(StreamExecutionEnvironment env, JobConfig config, boolean bounded) {
        live(env, config, KafkaIO.connect(JobParts.kafka(config), JobParts.topics(config)), bounded);
    }

    /**
     * The backfill: {@code range} of the input, its offsets committed to {@code groupId} on checkpoints.
     * With {@code finish} the input ends at the stop offsets and flushes everything (emitting as
     * backfill.emit says); without, the job idles there for a hand-off savepoint, throttled like a stream.
     */
    public static void range(StreamExecutionEnvironment env, JobConfig config, KafkaIO io, OffsetRange range,
                             String groupId, boolean finish) {
        Emission emission = !finish ? Emission.THROTTLED
                : config.backfill().emit() == ConfigKeys.BackfillEmit.AT_END ? Emission.AT_END : Emission.THROTTLED_THEN_FLUSH;
        SequencePipeline.build(env, io.rangeSource(range, groupId, finish), sinks(io), JobParts.sequence(config), emission);
    }
}
