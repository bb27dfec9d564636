package dev.listenseq.reader;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Utils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Topic helpers shared by the reader's consumers. */
public final class Topics {

    static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private Topics() {
    }

    /** The topic's partitions, in order; a clear error when the topic is missing or Kafka unreachable. */
    public static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic, String bootstrapServers) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        } catch (TimeoutException e) {
            throw new ReaderException("cannot read topic " + topic + " from Kafka at " + bootstrapServers + " within "
                    + METADATA_TIMEOUT.toSeconds() + "s; check --bootstrap-servers and that the topic exists", e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new ReaderException("topic " + topic + " does not exist on " + bootstrapServers
                    + "; check --topic (topics.output) or --history-topic (reader.history-topic)");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : infos) {
            partitions.add(new TopicPartition(topic, p.partition()));
        }
        partitions.sort(Comparator.comparingInt(TopicPartition::partition));
        return partitions;
    }

    /**
     * The partition Kafka's producer picks for a keyed record with no explicit partition (murmur2 of
     * the key bytes), which is how the job writes snapshots keyed by user_id.
     */
    static int partitionForKey(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
