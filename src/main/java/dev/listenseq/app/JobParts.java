package dev.listenseq.app;

import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.StateCache;
import dev.listenseq.flink.SequenceSettings;
import dev.listenseq.kafka.KafkaSettings;
import dev.listenseq.kafka.TopicSettings;

/**
 * The whole {@link JobConfig} cut into the narrow settings each package takes: Kafka clients and
 * topics for {@code kafka/}, the sequence rules for {@code flink/} and {@code pipeline/}. Only
 * {@code app/} (and the tools) see the whole configuration; a value resolved at run time, such as
 * the address of an embedded broker, is put into these typed settings, never back into the config.
 */
public final class JobParts {

    private JobParts() {
    }

    public static KafkaSettings kafka(JobConfig config) {
        return kafka(config, config.bootstrapServers());
    }

    /** As {@link #kafka(JobConfig)} with the brokers at {@code bootstrapServers}, resolved by the caller. */
    public static KafkaSettings kafka(JobConfig config, String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, config.kafkaClientProperties(), config.groupId(),
                config.startingOffsets(), config.delivery(), config.transactionalIdPrefix(), config.transactionTimeout());
    }

    public static TopicSettings topics(JobConfig config) {
        JobConfig.Topics t = config.topics();
        return new TopicSettings(t.input(), t.output(), t.dlq(), t.late(), t.history(), t.create(), t.partitions(),
                t.replicationFactor());
    }

    public static SequenceSettings sequence(JobConfig config) {
        JobConfig.Ordering ordering = config.ordering();
        return new SequenceSettings(config.policy(), config.limits(), config.weighting(), config.validation(),
                config.dlqMaxCopyBytes(), config.emitMinInterval(), ordering.eventTime()
                        ? new SequenceSettings.EventTimeOrdering(ordering.maxDisorder(), ordering.idleTimeout()) : null,
                new StateCache(config.stateCacheUsers(), config.stateCacheBytes()));
    }
}
