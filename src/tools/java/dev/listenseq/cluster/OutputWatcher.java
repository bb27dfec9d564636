package dev.listenseq.cluster;

import dev.listenseq.reader.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * Follows a topic's committed records (read_committed) from its end, on its own thread, and notes
 * when the first record whose timestamp is later than a given moment arrives. On the snapshot topic
 * the timestamp is the snapshot's emitted_at, so after a failure "first record emitted after the
 * kill, as seen by a consumer" measures recovery: detection, restart, restore, and the first
 * checkpoint that commits new output. Both clocks are this machine's.
 */
public final class OutputWatcher implements AutoCloseable {

    private final Thread thread;
    private volatile boolean running = true;
    private volatile long after = Long.MAX_VALUE;
    private volatile long firstSeenAfter;
    private volatile long received;

    public OutputWatcher(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        thread = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
                List<TopicPartition> partitions = Topics.assignAll(consumer, topic, bootstrapServers);
                consumer.seekToEnd(partitions);
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        received++;
                        if (firstSeenAfter == 0 && r.timestamp() > after) {
                            firstSeenAfter = System.currentTimeMillis();
                        }
                    }
                }
            }
        }, "output-watcher-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    /** From now on, note the first record with a timestamp after this epoch millisecond. */
    public void watchFor(long epochMillis) {
        firstSeenAfter = 0;
        after = epochMillis;
    }

    /** When the first record emitted after the watched moment arrived (epoch ms), or 0 if none yet. */
    public long firstSeenAfter() {
        return firstSeenAfter;
    }

    /** Committed records received so far. */
    public long received() {
        return received;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
