package dev.listenseq.reader;

import dev.listenseq.config.KafkaLogin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Utils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Topic helpers for every consumer that reads whole topics by assignment (no consumer group): the
 * reader, the demo's live view, the tools and the tests. Kafka clients only, so the reader stays Flink-free.
 */
public final class Topics {

    static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private Topics() {
    }

    /** The topic's partitions, in order; a clear error when the topic is missing or Kafka unreachable. */
    public static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic, String bootstrapServers) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        } catch (AuthenticationException | AuthorizationException e) {
            throw new ReaderException("cannot read topic " + topic + ": "
                    + KafkaLogin.advice(e, bootstrapServers).orElse(e.getMessage()), e);
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

    /** Assigns every partition of the topic to the consumer and returns them, in order. */
    public static List<TopicPartition> assignAll(Consumer<?, ?> consumer, String topic, String bootstrapServers) {
        List<TopicPartition> partitions = partitions(consumer, topic, bootstrapServers);
        consumer.assign(partitions);
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
