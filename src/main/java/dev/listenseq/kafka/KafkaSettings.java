package dev.listenseq.kafka;

import dev.listenseq.config.ConfigKeys.Delivery;
import dev.listenseq.config.ConfigKeys.StartingOffsets;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * What the job's Kafka clients need to know, and no more: where the brokers are (already resolved,
 * e.g. to an embedded broker), the kafka.client.* pass-through (login, TLS, tuning), the consumer
 * group, where a new group starts, and how output is delivered.
 *
 * @param clientProperties      kafka.client.* without the prefix; they override the job's own client settings
 * @param transactionalIdPrefix each sink adds its own suffix, so ids never collide between sinks
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> clientProperties, String groupId,
                            StartingOffsets startingOffsets, Delivery delivery, String transactionalIdPrefix,
                            Duration transactionTimeout) {

    public KafkaSettings {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Properties every client gets: the bootstrap servers plus the kafka.client.* pass-through. */
    public Properties properties() {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    public boolean exactlyOnce() {
        return delivery == Delivery.EXACTLY_ONCE;
    }

    /** The same settings with another consumer group (a backfill reads with a group of its own per run). */
    public KafkaSettings withGroupId(String group) {
        return new KafkaSettings(bootstrapServers, clientProperties, group, startingOffsets, delivery,
                transactionalIdPrefix, transactionTimeout);
    }
}
