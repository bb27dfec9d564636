package dev.listenseq.bench;

import dev.listenseq.app.JobParts;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.JobMetrics;
import dev.listenseq.kafka.KafkaConnectors;
import dev.listenseq.kafka.KafkaSettings;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.TopicLimits;
import dev.listenseq.pipeline.SequencePipeline;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.producer.ProducerRecord;


/**
 * The benchmark's ceiling: Kafka → decode each ListenEvent (Avro) → encode it again → Kafka, with
 * the job's source, producer settings, delivery mode and checkpointing, but no shuffle and no
 * state (Nexmark's q0). The output record keeps the input's key and Kafka timestamp, so a consumer
 * can measure produce-to-visible latency. Undecodable input is counted and dropped.
 */
final class PassThroughJob {

    static final String UID = "pass-through";

    private PassThroughJob() {
    }

    static void build(StreamExecutionEnvironment env, JobConfig config) {
        KafkaSettings kafka = JobParts.kafka(config);
        // Read as the job reads: its source and its watermarks.
        SequencePipeline.read(env, KafkaConnectors.source(kafka, JobParts.topics(config), false), JobParts.sequence(config),
                        TopicLimits.BROKER_DEFAULT)
                .process(new Reencode()).uid(UID).name("Decode and re-encode")
                .sinkTo(sink(kafka, config.topics().output())).uid("kafka-pass-through").name("Kafka: pass-through");
    }

    /** The job's sink settings, writing records as they are. */
    private static KafkaSink<RawRecord> sink(KafkaSettings kafka, String topic) {
        // Re-encoded valid events are a few hundred bytes: the default limit is never near.
        return KafkaConnectors.sink(kafka, "pass-through", TopicLimits.BROKER_DEFAULT, (KafkaRecordSerializationSchema<RawRecord>)
                (r, context, timestamp) -> new ProducerRecord<>(topic, null, r.timestamp, r.key, r.value));
    }

    static final class Reencode extends ProcessFunction<RawRecord, RawRecord> {
        private transient SingleObjectCodec<ListenEvent> codec;
        private transient Counter recordsIn;

        @Override
        public void open(OpenContext openContext) {
            codec = SingleObjectCodec.of(ListenEvent.class);
            recordsIn = getRuntimeContext().getMetricGroup().addGroup(JobMetrics.GROUP).counter(JobMetrics.RECORDS_IN);
        }

        @Override
        public void processElement(RawRecord record, Context ctx, Collector<RawRecord> out) {
            recordsIn.inc();
            if (record.value == null) {
                return;
            }
            try {
                record.value = codec.encode(codec.decode(record.value));
            } catch (DecodeException e) {
                return;
            }
            out.collect(record);
        }
    }
}
