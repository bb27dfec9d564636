package dev.listenseq.kafka;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.codec.UserSequenceEncoder;
import dev.listenseq.config.ConfigKeys;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Properties;

/**
 * The job's Kafka source and sinks, built from {@link KafkaSettings} and {@link TopicSettings}
 * ({@link KafkaIO} puts them together for the job). Values are Avro single-object encoded; keys are
 * the user_id (UTF-8) for snapshots and the original key elsewhere.
 */
public final class KafkaConnectors {

    /** Metric group of the sinks' own counters, beside the job's {@code listenseq} group. */
    public static final String METRIC_GROUP = "listenseq";
    /** Snapshots cut to fit the output (or history) topic's limit. */
    public static final String SNAPSHOTS_TRIMMED = "snapshotsTrimmed";
    /** Items dropped from those snapshots, in total. */
    public static final String ITEMS_TRIMMED = "snapshotItemsTrimmed";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnectors.class);

    /** Headers on late and dead-lettered records naming where the original came from. */
    public static final String HEADER_SOURCE_TOPIC = "source-topic";
    public static final String HEADER_SOURCE_PARTITION = "source-partition";
    public static final String HEADER_SOURCE_OFFSET = "source-offset";
    /** On late records: why the record was not applied ({@link LateRecord.Reason}). */
    public static final String HEADER_LATE_REASON = "late-reason";

    private KafkaConnectors() {
    }

    /** The input source; bounded sources stop at the offsets that are latest when the job starts. */
    public static KafkaSource<RawRecord> source(KafkaSettings kafka, TopicSettings topics, boolean bounded) {
        KafkaSourceBuilder<RawRecord> builder = sourceBuilder(kafka, topics, kafka.groupId())
                .setStartingOffsets(startingOffsets(kafka.startingOffsets()));
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
    public static RangeSource rangeSource(KafkaSettings kafka, TopicSettings topics, OffsetRange range, String groupId,
                                          boolean finish) {
        KafkaSourceBuilder<RawRecord> builder = sourceBuilder(kafka, topics, groupId)
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

    private static KafkaSourceBuilder<RawRecord> sourceBuilder(KafkaSettings kafka, TopicSettings topics, String groupId) {
        Properties props = kafka.properties();
        // Upstream producers may write transactionally: never read their aborted records.
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setTopics(topics.inputs())
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

    public static KafkaSink<SnapshotRecord> snapshotSink(KafkaSettings kafka, TopicSettings topics, TopicLimits limits) {
        return sink(kafka, "snapshots", limits.output(), new SnapshotSerializer(topics.output(), limits.output()));
    }

    /** The same snapshots as {@link #snapshotSink}, to the history topic (topics.history), which is not compacted. */
    public static KafkaSink<SnapshotRecord> historySink(KafkaSettings kafka, TopicSettings topics, TopicLimits limits) {
        return sink(kafka, "history", limits.history(), new SnapshotSerializer(topics.history(), limits.history()));
    }

    public static KafkaSink<DeadLetter> deadLetterSink(KafkaSettings kafka, TopicSettings topics, TopicLimits limits) {
        return sink(kafka, "dlq", limits.dlq(), new DeadLetterSerializer(topics.dlq(), limits.dlq()));
    }

    /**
     * Late copies are the original bytes, which cannot be cut; the decode step dead-letters up front
     * every record too large to be copied here ({@link TopicLimits#budget}), so none reaches this sink.
     */
    public static KafkaSink<LateRecord> lateSink(KafkaSettings kafka, TopicSettings topics, TopicLimits limits) {
        return sink(kafka, "late", limits.late(), new LateSerializer(topics.late()));
    }

    /**
     * A sink with the job's producer settings; {@code name} keeps its transactional ids apart from
     * the other sinks'. Under exactly-once, records become visible only when the checkpoint commits,
     * so a longer linger costs no freshness and fills batches: every batch opens an LZ4 stream, and
     * with 5 ms batches that was 5% of the keyed task's CPU (JFR); batch.size grows with it so that
     * batches are cut by the linger, not by the default 16 KB. At-least-once output is read as soon
     * as it is written, so there the linger stays short. kafka.client.* overrides all of these, except
     * max.request.size, which is the topic's limit ({@code maxRecordBytes}, already the lower of the two).
     */
    public static <T> KafkaSink<T> sink(KafkaSettings kafka, String name, int maxRecordBytes,
                                        KafkaRecordSerializationSchema<T> serializer) {
        boolean exactlyOnce = kafka.exactlyOnce();
        Properties props = kafka.properties();
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                String.valueOf(kafka.transactionTimeout().toMillis()));
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, exactlyOnce ? "100" : "5");
        if (exactlyOnce) {
            props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        }
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(maxRecordBytes));
        return KafkaSink.<T>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setKafkaProducerConfig(props)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
                // Each sink needs its own prefix: transactional ids must not collide.
                .setTransactionalIdPrefix(kafka.transactionalIdPrefix() + "-" + name)
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

    /**
     * Snapshots, and tombstones (null values) for erased users, keyed by user_id. A snapshot over the
     * topic's limit: the lowest-ranked items are dropped until it fits (see
     * {@link UserSequenceEncoder#encode(UserSequence, int)}), counted in {@value #SNAPSHOTS_TRIMMED}
     * and {@value #ITEMS_TRIMMED} and logged at most once a minute; the keyed state keeps every item.
     */
    static final class SnapshotSerializer implements KafkaRecordSerializationSchema<SnapshotRecord> {
        private final String topic;
        private final int maxRecordBytes;
        private transient UserSequenceEncoder encoder;
        private transient Counter trimmed;
        private transient Counter itemsDropped;
        private transient RateLimitedLog log;

        SnapshotSerializer(String topic, int maxRecordBytes) {
            this.topic = topic;
            this.maxRecordBytes = maxRecordBytes;
        }

        @Override
        public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
            if (encoder != null) {
                // The exactly-once writer opens its serializer a second time; a second counter of the
                // same name would not be registered, so the reported one would stay at 0.
                return;
            }
            encoder = new UserSequenceEncoder();
            MetricGroup metrics = context.getMetricGroup().addGroup(METRIC_GROUP);
            trimmed = metrics.counter(SNAPSHOTS_TRIMMED);
            itemsDropped = metrics.counter(ITEMS_TRIMMED);
            log = new RateLimitedLog(LOG);
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(SnapshotRecord record, KafkaSinkContext context, Long timestamp) {
            byte[] key = record.userId.getBytes(StandardCharsets.UTF_8);
            if (record.isTombstone()) {
                return new ProducerRecord<>(topic, null, record.timestamp, key, (byte[]) null);
            }
            UserSequence snapshot = record.snapshot;
            byte[] value = encoder.encode(snapshot, TopicLimits.budget(maxRecordBytes) - key.length);
            int dropped = encoder.itemsDropped() + encoder.recentDropped();
            if (dropped > 0) {
                trimmed.inc();
                itemsDropped.inc(encoder.itemsDropped());
                log.warn("Snapshot of user {} (version {}) was over {}'s limit of {} bytes: dropped its {} lowest-ranked"
                        + " items and {} oldest recent events. {} snapshots trimmed so far.", snapshot.getUserId(),
                        snapshot.getVersion(), topic, maxRecordBytes, encoder.itemsDropped(), encoder.recentDropped(),
                        trimmed.getCount());
            }
            return new ProducerRecord<>(topic, null, record.timestamp, key, value);
        }
    }

    /**
     * A dead letter already holds at most dlq.max-copy-bytes of the original key and value (the
     * decode step cut them); here the copies are cut further, value first, until the record fits
     * the DLQ topic's limit, so this sink never writes a record the broker refuses.
     */
    static final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
        private final String topic;
        private final int maxRecordBytes;
        private transient SingleObjectCodec<DeadLetter> codec;

        DeadLetterSerializer(String topic, int maxRecordBytes) {
            this.topic = topic;
            this.maxRecordBytes = maxRecordBytes;
        }

        @Override
        public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
            codec = SingleObjectCodec.of(DeadLetter.class);
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
            Fitted fitted = fit(letter, TopicLimits.budget(maxRecordBytes), codec);
            DeadLetter written = fitted.letter();
            byte[] key = written.getKey() == null ? null : toArray(written.getKey());
            return new ProducerRecord<>(topic, null, null, key, fitted.value(),
                    provenance(written.getSourceTopic(), written.getSourcePartition(), written.getSourceOffset()));
        }

        /** A dead letter as written (a cut copy when it had to be cut) and its encoding. */
        record Fitted(DeadLetter letter, byte[] value) {
        }

        /**
         * Encodes {@code letter}, first cutting a copy of it (value, then key, then the detail) until
         * the encoded value plus the Kafka key (the copied key) is within {@code budget}.
         */
        static Fitted fit(DeadLetter letter, int budget, SingleObjectCodec<DeadLetter> codec) {
            byte[] value = codec.encode(letter);
            if (value.length + keyLength(letter) <= budget) {
                return new Fitted(letter, value);
            }
            DeadLetter cut = DeadLetter.newBuilder(letter).build();
            while (value.length + keyLength(cut) > budget) {
                int excess = value.length + keyLength(cut) - budget;
                if (cut.getValue() != null && cut.getValue().remaining() > 0) {
                    cut.setValue(cut(cut.getValue(), excess));
                    cut.setValueTruncated(true);
                } else if (cut.getKey() != null && cut.getKey().remaining() > 0) {
                    // The key is written twice (the Kafka key and the field), so each byte cut saves two.
                    cut.setKey(cut(cut.getKey(), (excess + 1) / 2));
                    cut.setKeyTruncated(true);
                } else {
                    String detail = cut.getDetail();
                    cut.setDetail(detail.substring(0, Math.max(0, detail.length() - excess)));
                }
                value = codec.encode(cut);
            }
            return new Fitted(cut, value);
        }

        private static int keyLength(DeadLetter letter) {
            return letter.getKey() == null ? 0 : letter.getKey().remaining();
        }

        private static ByteBuffer cut(ByteBuffer bytes, int by) {
            ByteBuffer shorter = bytes.duplicate();
            shorter.limit(shorter.position() + Math.max(0, shorter.remaining() - by));
            return shorter.slice();
        }

        private static byte[] toArray(ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
    }

    static final class LateSerializer implements KafkaRecordSerializationSchema<LateRecord> {
        private final String topic;

        LateSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(LateRecord late, KafkaSinkContext context, Long timestamp) {
            RawRecord record = late.record;
            RecordHeaders headers = provenance(record.topic, record.partition, record.offset);
            headers.add(new RecordHeader(HEADER_LATE_REASON, late.reason.name().getBytes(StandardCharsets.UTF_8)));
            return new ProducerRecord<>(topic, null, record.timestamp, record.key, record.value, headers);
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
