package dev.listenseq.kafka;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.codec.UserSequenceEncoder;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.JobConfig;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Properties;

/**
 * The job's Kafka source and sinks, built from {@link JobConfig}. Values are Avro single-object
 * encoded; keys are the user_id (UTF-8) for snapshots and the original key elsewhere.
 */
public final class KafkaConnectors {

    /** Headers on late and dead-lettered records naming where the original came from. */
    public static final String HEADER_SOURCE_TOPIC = "source-topic";
    public static final String HEADER_SOURCE_PARTITION = "source-partition";
    public static final String HEADER_SOURCE_OFFSET = "source-offset";

    private KafkaConnectors() {
    }

    /** Properties every client gets: bootstrap servers plus the kafka.client.* pass-through. */
    public static Properties clientProperties(JobConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafkaClientProperties());
        props.put("bootstrap.servers", config.bootstrapServers());
        return props;
    }

    /** The input source; bounded sources stop at the offsets that are latest when the job starts. */
    public static KafkaSource<RawRecord> source(JobConfig config, boolean bounded) {
        KafkaSourceBuilder<RawRecord> builder = sourceBuilder(config, config.groupId())
                .setStartingOffsets(startingOffsets(config.startingOffsets()));
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /**
     * The backfill's source over {@code range}. With {@code finish} the job ends when every partition
     * is done (end of input flushes everything); without, it stays running, idle at the stop offsets,
     * for a savepoint to be taken. Offsets are committed to {@code groupId} on checkpoints, which is
     * how progress is followed.
     */
    public static RangeSource rangeSource(JobConfig config, OffsetRange range, String groupId, boolean finish) {
        KafkaSourceBuilder<RawRecord> builder = sourceBuilder(config, groupId)
                .setStartingOffsets(OffsetsInitializer.offsets(new HashMap<>(range.start())))
                // The range is fixed: partitions created later are not part of it.
                .setProperty("partition.discovery.interval.ms", "0");
        OffsetsInitializer stop = OffsetsInitializer.offsets(new HashMap<>(range.stop()));
        if (finish) {
            builder.setBounded(stop);
        } else {
            builder.setUnbounded(stop);
        }
        return new RangeSource(builder.build(), range.stop());
    }

    private static KafkaSourceBuilder<RawRecord> sourceBuilder(JobConfig config, String groupId) {
        Properties props = clientProperties(config);
        // Upstream producers may write transactionally: never read their aborted records.
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(config.topics().inputs())
                .setGroupId(groupId)
                .setDeserializer(new RawRecordDeserializer())
                .setProperties(props);
    }

    private static OffsetsInitializer startingOffsets(ConfigKeys.StartingOffsets startingOffsets) {
        switch (startingOffsets) {
            case EARLIEST: return OffsetsInitializer.earliest();
            case LATEST: return OffsetsInitializer.latest();
            default: return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
    }

    public static KafkaSink<SnapshotRecord> snapshotSink(JobConfig config) {
        return sink(config, "snapshots", new SnapshotSerializer(config.topics().output()));
    }

    /** The same snapshots as {@link #snapshotSink}, to the history topic (topics.history), which is not compacted. */
    public static KafkaSink<SnapshotRecord> historySink(JobConfig config) {
        return sink(config, "history", new SnapshotSerializer(config.topics().history()));
    }

    public static KafkaSink<DeadLetter> deadLetterSink(JobConfig config) {
        return sink(config, "dlq", new DeadLetterSerializer(config.topics().dlq()));
    }

    public static KafkaSink<RawRecord> lateSink(JobConfig config) {
        return sink(config, "late", new LateSerializer(config.topics().late()));
    }

    /**
     * A sink with the job's producer settings; {@code name} keeps its transactional ids apart from
     * the other sinks'. Under exactly-once, records become visible only when the checkpoint commits,
     * so a longer linger costs no freshness and fills batches: every batch opens an LZ4 stream, and
     * with 5 ms batches that was 5% of the keyed task's CPU (JFR); batch.size grows with it so that
     * batches are cut by the linger, not by the default 16 KB. At-least-once output is read as soon
     * as it is written, so there the linger stays short. kafka.client.* overrides all of these.
     */
    public static <T> KafkaSink<T> sink(JobConfig config, String name, KafkaRecordSerializationSchema<T> serializer) {
        boolean exactlyOnce = config.delivery() == ConfigKeys.Delivery.EXACTLY_ONCE;
        Properties props = clientProperties(config);
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                String.valueOf(config.transactionTimeout().toMillis()));
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, exactlyOnce ? "100" : "5");
        if (exactlyOnce) {
            props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        }
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return KafkaSink.<T>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setKafkaProducerConfig(props)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
                // Each sink needs its own prefix: transactional ids must not collide.
                .setTransactionalIdPrefix(config.transactionalIdPrefix() + "-" + name)
                .build();
    }

    /** Never throws: every Kafka record becomes a RawRecord, whatever its bytes. */
    static final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
            out.collect(RawRecord.of(record));
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return TypeInformation.of(RawRecord.class);
        }
    }

    /** Snapshots, and tombstones (null values) for erased users, keyed by user_id. */
    static final class SnapshotSerializer implements KafkaRecordSerializationSchema<SnapshotRecord> {
        private final String topic;
        private transient UserSequenceEncoder encoder;

        SnapshotSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
            encoder = new UserSequenceEncoder();
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(SnapshotRecord record, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, record.timestamp, record.userId.getBytes(StandardCharsets.UTF_8),
                    record.isTombstone() ? null : encoder.encode(record.snapshot));
        }
    }

    static final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
        private final String topic;
        private transient SingleObjectCodec<DeadLetter> codec;

        DeadLetterSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
            codec = SingleObjectCodec.of(DeadLetter.class);
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
            byte[] key = letter.getKey() == null ? null : toArray(letter.getKey());
            return new ProducerRecord<>(topic, null, null, key, codec.encode(letter),
                    provenance(letter.getSourceTopic(), letter.getSourcePartition(), letter.getSourceOffset()));
        }

        private static byte[] toArray(ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
    }

    static final class LateSerializer implements KafkaRecordSerializationSchema<RawRecord> {
        private final String topic;

        LateSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(RawRecord record, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, record.timestamp, record.key, record.value,
                    provenance(record.topic, record.partition, record.offset));
        }
    }

    private static RecordHeaders provenance(String topic, int partition, long offset) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(HEADER_SOURCE_TOPIC, topic.getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(HEADER_SOURCE_PARTITION, String.valueOf(partition).getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(HEADER_SOURCE_OFFSET, String.valueOf(offset).getBytes(StandardCharsets.UTF_8)));
        return headers;
    }
}
