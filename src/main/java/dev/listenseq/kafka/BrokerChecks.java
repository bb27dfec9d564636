package dev.listenseq.kafka;

import dev.listenseq.config.ConfigException;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.Durations;
import dev.listenseq.config.StartupException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the job asks the brokers before it starts: whether its transaction timeout is one they
 * accept (else every transaction fails at run time with {@code InvalidTxnTimeout}), and whether the
 * job has visibly run before (a start without state would then restart every user's versions).
 */
public final class BrokerChecks {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerChecks.class);
    private static final String TX_MAX_TIMEOUT = "transaction.max.timeout.ms";
    private static final long TIMEOUT_SECONDS = 30;
    /** A read_committed scan for one committed snapshot; a topic of only aborted data is read to its end. */
    private static final long SCAN_SECONDS = 60;

    private BrokerChecks() {
    }

    /**
     * Exactly-once only: fails with a {@link ConfigException} when delivery.transaction-timeout exceeds
     * the broker's transaction.max.timeout.ms. A broker that does not let us read its configuration
     * (ACLs) gets a warning, not a refusal: the rule is then the operator's to keep.
     */
    public static void checkTransactionTimeout(KafkaSettings kafka, Duration checkpointInterval, Duration checkpointTimeout) {
        if (!kafka.exactlyOnce()) {
            return;
        }
        Long maxMs;
        try (Admin admin = Admin.create(adminProperties(kafka))) {
            maxMs = transactionMaxTimeoutMs(admin);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Could not read {} from the brokers ({}); make sure delivery.transaction-timeout ({}) does not exceed it",
                    TX_MAX_TIMEOUT, e.getCause() != null ? e.getCause() : e, Durations.format(kafka.transactionTimeout()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the broker's configuration", e);
        }
        if (maxMs == null) {
            return;
        }
        Duration max = Duration.ofMillis(maxMs);
        if (kafka.transactionTimeout().compareTo(max) > 0) {
            throw new ConfigException(ConfigKeys.TRANSACTION_TIMEOUT.name() + " is \""
                    + Durations.format(kafka.transactionTimeout()) + "\"; it must not exceed the broker's " + TX_MAX_TIMEOUT
                    + " (" + maxMs + " ms = " + Durations.format(max) + " on " + kafka.bootstrapServers()
                    + "), or the broker refuses every transaction (InvalidTxnTimeout) and no output is ever committed."
                    + " Lower delivery.transaction-timeout to at most " + Durations.format(max) + " (keeping checkpoint.interval ("
                    + Durations.format(checkpointInterval) + ") + checkpoint.timeout ("
                    + Durations.format(checkpointTimeout) + ") within it), or raise " + TX_MAX_TIMEOUT
                    + " on every broker");
        }
    }

    /**
     * Evidence that this job has run before on this cluster, or null when there is none: committed
     * offsets of its consumer group, or a committed snapshot in its output topic (read_committed, so
     * the aborted output of a run killed before its first checkpoint does not count).
     */
    public static String priorRun(KafkaSettings kafka, TopicSettings topics, String jobName) {
        try (Admin admin = Admin.create(adminProperties(kafka))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(kafka.groupId())
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<TopicPartition> committed = new ArrayList<>();
            offsets.forEach((tp, om) -> {
                if (om != null && topics.inputs().contains(tp.topic())) {
                    committed.add(tp);
                }
            });
            if (!committed.isEmpty()) {
                return "its consumer group " + kafka.groupId() + " has committed offsets on " + committed.size()
                        + " partition(s) of " + topics.input();
            }
            List<TopicPartition> output = partitions(admin, topics.output());
            if (!output.isEmpty() && holdsCommittedRecord(kafka, topics.output(), output)) {
                return "its output topic " + topics.output() + " already holds snapshots";
            }
            return null;
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new StartupException("cannot check on " + kafka.bootstrapServers() + " (kafka.bootstrap-servers) whether job "
                    + jobName + " has run before (" + cause + "). Check that Kafka runs there.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking for an earlier run", e);
        }
    }

    private static Long transactionMaxTimeoutMs(Admin admin)
            throws ExecutionException, TimeoutException, InterruptedException {
        Collection<Node> nodes = admin.describeCluster().nodes().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Long lowest = null;
        for (Node node : nodes) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node.idString());
            Config c = admin.describeConfigs(List.of(broker)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(broker);
            ConfigEntry entry = c == null ? null : c.get(TX_MAX_TIMEOUT);
            if (entry != null && entry.value() != null) {
                long ms = Long.parseLong(entry.value());
                lowest = lowest == null ? ms : Math.min(lowest, ms);
            }
        }
        return lowest;
    }

    private static List<TopicPartition> partitions(Admin admin, String topic)
            throws ExecutionException, TimeoutException, InterruptedException {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic);
            return d.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return List.of();
            }
            throw e;
        }
    }

    private static boolean holdsCommittedRecord(KafkaSettings kafka, String topic, List<TopicPartition> partitions)
            throws TimeoutException {
        Properties props = kafka.properties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SCAN_SECONDS);
            while (System.nanoTime() < deadline) {
                if (!consumer.poll(Duration.ofMillis(200)).isEmpty()) {
                    return true;
                }
                boolean atEnd = true;
                for (TopicPartition tp : partitions) {
                    atEnd &= consumer.position(tp) >= end.get(tp);
                }
                if (atEnd) {
                    return false;
                }
            }
            throw new TimeoutException("could not read " + topic + " to its end within " + SCAN_SECONDS + "s");
        }
    }

    private static Properties adminProperties(KafkaSettings kafka) {
        Properties props = kafka.properties();
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_SECONDS * 1000));
        return props;
    }
}
