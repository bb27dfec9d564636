package dev.listenseq.it;

import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.reader.Topics;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;

/** Shared pieces of the integration tests: the in-process broker, the MiniCluster, produce and read helpers. */
final class TestKafka {

    private TestKafka() {
    }

    /** A MiniCluster with 4 slots and the in-process metrics reporter. */
    static MiniClusterExtension miniCluster() {
        Configuration configuration = new Configuration();
        // Four slots share the managed memory that sizes RocksDB's write buffers.
        configuration.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("256m"));
        InProcessMetrics.addTo(configuration);
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(4)
                .setConfiguration(configuration)
                .build());
    }

    /** Job configuration for tests: fast checkpoints, every change emitted, state in a short temp dir. */
    static JobConfig jobConfig(EmbeddedKafka kafka, String prefix, Map<String, String> overrides) throws Exception {
        Map<String, String> values = jobValues(prefix, 3);
        values.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        values.putAll(overrides);
        return JobConfig.from(Settings.of(values));
    }

    /**
     * The job settings every test starts from, less the broker's address: topics named after the
     * prefix, parallelism 2, fast checkpoints, every change emitted, state in a fresh short temp dir.
     */
    static Map<String, String> jobValues(String prefix, int partitions) throws IOException {
        Path dir = Files.createTempDirectory("lsq");
        Map<String, String> values = new HashMap<>();
        values.put("job.name", prefix + "-job");
        values.put("topics.input", prefix + "-in");
        values.put("topics.output", prefix + "-out");
        values.put("topics.dlq", prefix + "-dlq");
        values.put("topics.late", prefix + "-late");
        values.put("topics.partitions", String.valueOf(partitions));
        values.put("parallelism", "2");
        values.put("checkpoint.interval", "300ms");
        values.put("delivery.transaction-timeout", "60s");
        values.put("checkpoint.dir", dir.resolve("checkpoints").toUri().toString());
        values.put("savepoint.dir", dir.resolve("savepoints").toUri().toString());
        values.put("state.local-dir", dir.resolve("rocksdb").toString());
        values.put("source.starting-offsets", "earliest");
        values.put("emit.min-interval", "0ms");
        return values;
    }

    static Properties producerProps(EmbeddedKafka kafka) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("enable.idempotence", "true");
        props.put("acks", "all");
        return props;
    }

    /** Sends the records in order and returns where each landed. */
    static List<RecordMetadata> send(EmbeddedKafka kafka, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(kafka))) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                futures.add(producer.send(record));
            }
            producer.flush();
        }
        List<RecordMetadata> result = new ArrayList<>();
        for (Future<RecordMetadata> f : futures) {
            result.add(f.get());
        }
        return result;
    }

    /** The bytes of a buffer (an Avro bytes field), without disturbing its position. */
    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /**
     * Waits until the broker serves metadata for every topic. A topic reaches the broker's metadata cache
     * a moment after the controller confirms its creation, seconds later on a loaded machine: until then
     * a reader would find no such topic.
     */
    static void awaitTopics(EmbeddedKafka kafka, String... topics) throws InterruptedException {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            for (String topic : topics) {
                while (consumer.partitionsFor(topic, Duration.ofSeconds(30)).isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the broker still serves no metadata for topic " + topic);
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    /** Every committed record of a topic, partition by partition in offset order. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafka kafka, String topic) throws InterruptedException {
        awaitTopics(kafka, topic);
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        List<ConsumerRecord<byte[], byte[]>> result = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = Topics.assignAll(consumer, topic, kafka.bootstrapServers());
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
                }
            }
            partitions.forEach(tp -> result.addAll(byPartition.getOrDefault(tp, List.of())));
        }
        return result;
    }
}
