package dev.listenseq.kafka;

import dev.listenseq.config.JobConfig;
import dev.listenseq.config.KafkaLogin;
import dev.listenseq.config.StartupException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the job's topics when they are missing (the output compacted) and warns about an existing
 * output topic that is not compacted. Existing topics are never changed.
 */
public final class TopicAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    private static final long TIMEOUT_SECONDS = 30;
    /** Our own wait is a little longer than the client's, so the client's more precise error arrives first. */
    private static final long WAIT_SECONDS = TIMEOUT_SECONDS + 5;

    private TopicAdmin() {
    }

    public static void ensureTopics(JobConfig config) {
        JobConfig.Topics topics = config.topics();
        Optional<Short> replication = topics.replicationFactor() == 0
                ? Optional.empty() : Optional.of((short) topics.replicationFactor());
        Optional<Integer> partitions = Optional.of(topics.partitions());
        List<NewTopic> wanted = new ArrayList<>();
        for (String input : topics.inputs()) {
            wanted.add(new NewTopic(input, partitions, replication));
        }
        wanted.add(new NewTopic(topics.output(), partitions, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(topics.dlq(), partitions, replication));
        wanted.add(new NewTopic(topics.late(), partitions, replication));
        if (topics.history() != null) {
            // Not compacted: every snapshot stays for the broker's retention (set retention.ms to the training window).
            wanted.add(new NewTopic(topics.history(), partitions, replication)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)));
        }
        Properties props = KafkaConnectors.clientProperties(config);
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_SECONDS * 1000));
        LOG.info("Checking topics on {} ...", config.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic topic : wanted) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic);
                }
            }
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get(WAIT_SECONDS, TimeUnit.SECONDS);
                    LOG.info("Created topic {} ({} partitions{})", topic.name(), topics.partitions(),
                            topic.configs() == null ? "" : ", " + topic.configs());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            // Only an output topic we did not create can have the wrong policy; asking right after a
            // create also races the broker's metadata (UnknownTopicOrPartitionException, seen in ReaderIT).
            if (existing.contains(topics.output())) {
                warnIfNotCompacted(admin, topics.output());
            }
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            Optional<String> login = KafkaLogin.advice(cause, config.bootstrapServers());
            if (login.isPresent()) {
                throw new StartupException("cannot check or create topics: " + login.get(), e);
            }
            throw new StartupException("cannot check or create topics on " + config.bootstrapServers()
                    + " (kafka.bootstrap-servers) within " + TIMEOUT_SECONDS + "s ("
                    + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()) + ")"
                    + ". Check that Kafka runs there, or create the topics yourself and set topics.create=false.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    private static void warnIfNotCompacted(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = null;
        // A topic created a moment ago may not have reached the broker that answers yet.
        for (int attempt = 1; config == null; attempt++) {
            try {
                config = admin.describeConfigs(List.of(resource)).all().get(WAIT_SECONDS, TimeUnit.SECONDS).get(resource);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || attempt == 20) {
                    throw e;
                }
                Thread.sleep(250);
            }
        }
        ConfigEntry policy = config == null ? null : config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (policy != null && !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            LOG.warn("Output topic {} has cleanup.policy={}; set it to compact so it keeps every user's latest snapshot",
                    topic, policy.value());
        }
    }
}
