package dev.listenseq.kafka;

import dev.listenseq.config.KafkaLogin;
import dev.listenseq.config.StartupException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
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
 * output topic that is not compacted. Existing topics are never changed. Reads the output topics'
 * record size limits ({@link #limits}) that the sinks keep every record under.
 */
public final class TopicAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    private static final long TIMEOUT_SECONDS = 30;
    /** Our own wait is a little longer than the client's, so the client's more precise error arrives first. */
    private static final long WAIT_SECONDS = TIMEOUT_SECONDS + 5;

    private TopicAdmin() {
    }

    public static void ensureTopics(KafkaSettings kafka, TopicSettings topics) {
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
        Properties props = kafka.properties();
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_SECONDS * 1000));
        LOG.info("Checking topics on {} ...", kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            List<String> created = new ArrayList<>();
            for (NewTopic topic : wanted) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic);
                }
            }
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get(WAIT_SECONDS, TimeUnit.SECONDS);
                    created.add(topic.name());
                    LOG.info("Created topic {} ({} partitions{})", topic.name(), topics.partitions(),
                            topic.configs() == null ? "" : ", " + topic.configs());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            awaitServed(admin, created);
            // Only an output topic we did not create can have the wrong policy; asking right after a
            // create also races the broker's metadata (UnknownTopicOrPartitionException, seen in ReaderIT).
            if (existing.contains(topics.output())) {
                warnIfNotCompacted(admin, topics.output());
            }
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            Optional<String> login = KafkaLogin.advice(cause, kafka.bootstrapServers());
            if (login.isPresent()) {
                throw new StartupException("cannot check or create topics: " + login.get(), e);
            }
            throw new StartupException("cannot check or create topics on " + kafka.bootstrapServers()
                    + " (kafka.bootstrap-servers) within " + TIMEOUT_SECONDS + "s ("
                    + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()) + ")"
                    + ". Check that Kafka runs there, or create the topics yourself and set topics.create=false.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits until the broker serves every partition of the topics just created with a leader: a create
     * returns when the controller has the topic, before the brokers serve its metadata, and a reader or
     * producer started at once would be told the topic does not exist.
     */
    public static void awaitServed(Admin admin, List<String> topics)
            throws ExecutionException, TimeoutException, InterruptedException {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            try {
                boolean led = admin.describeTopics(topics).allTopicNames().get(WAIT_SECONDS, TimeUnit.SECONDS)
                        .values().stream()
                        .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (led) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the broker does not serve the new topics " + topics + " yet");
            }
            Thread.sleep(100);
        }
    }

    /**
     * The largest record each output topic accepts, asked from the broker: the topic's
     * {@code max.message.bytes} (describeConfigs reports the override, or the broker default it
     * inherits), or the broker's {@code message.max.bytes} for a topic that does not exist yet;
     * lowered to {@code kafka.client.max.request.size} when that is set.
     */
    public static TopicLimits limits(KafkaSettings kafka, TopicSettings topics) {
        Properties props = kafka.properties();
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_SECONDS * 1000));
        int clientCap = clientMaxRequestSize(kafka);
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS);
            Map<String, Integer> byTopic = new HashMap<>();
            List<ConfigResource> resources = new ArrayList<>();
            List<String> names = new ArrayList<>(List.of(topics.output(), topics.dlq(), topics.late()));
            if (topics.history() != null) {
                names.add(topics.history());
            }
            Integer brokerDefault = null;
            for (String name : names) {
                if (existing.contains(name)) {
                    resources.add(new ConfigResource(ConfigResource.Type.TOPIC, name));
                } else {
                    if (brokerDefault == null) {
                        brokerDefault = brokerMessageMaxBytes(admin);
                    }
                    byTopic.put(name, brokerDefault);
                }
            }
            if (!resources.isEmpty()) {
                Map<ConfigResource, Config> described = describe(admin, resources);
                for (ConfigResource resource : resources) {
                    ConfigEntry entry = described.get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                    byTopic.put(resource.name(), entry == null || entry.value() == null
                            ? TopicLimits.BROKER_DEFAULT : Integer.parseInt(entry.value()));
                }
            }
            int output = Math.min(clientCap, byTopic.get(topics.output()));
            TopicLimits limits = new TopicLimits(output,
                    topics.history() == null ? output : Math.min(clientCap, byTopic.get(topics.history())),
                    Math.min(clientCap, byTopic.get(topics.dlq())), Math.min(clientCap, byTopic.get(topics.late())));
            LOG.info("Largest record per topic (max.message.bytes{}): {}", clientCap == Integer.MAX_VALUE
                    ? "" : ", capped by kafka.client.max.request.size", limits);
            return limits;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) {
                // The job may write the topics without the right to describe their configs (a tight ACL).
                int assumed = Math.min(clientCap, TopicLimits.BROKER_DEFAULT);
                LOG.warn("Not allowed to read the topics' max.message.bytes ({}); assuming {} bytes for each. If a topic"
                        + " takes less, set kafka.client.max.request.size to its limit.", e.getCause().getMessage(), assumed);
                return new TopicLimits(assumed, assumed, assumed, assumed);
            }
            throw limitsUnknown(kafka, e);
        } catch (TimeoutException e) {
            throw limitsUnknown(kafka, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading topic limits", e);
        }
    }

    private static StartupException limitsUnknown(KafkaSettings kafka, Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return new StartupException("cannot read the topics' max.message.bytes on " + kafka.bootstrapServers()
                + " (kafka.bootstrap-servers) within " + TIMEOUT_SECONDS + "s ("
                + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()) + ")"
                + ". Check that Kafka runs there and that the job may describe the topics' configs.", e);
    }

    private static int clientMaxRequestSize(KafkaSettings kafka) {
        String set = kafka.clientProperties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (set == null) {
            return Integer.MAX_VALUE;
        }
        try {
            return Integer.parseInt(set.trim());
        } catch (NumberFormatException e) {
            throw new StartupException("kafka.client." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " is '" + set
                    + "'; it must be a number of bytes such as 1048576. Fix or remove it.", e);
        }
    }

    private static int brokerMessageMaxBytes(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        String node = String.valueOf(admin.describeCluster().nodes().get(WAIT_SECONDS, TimeUnit.SECONDS)
                .iterator().next().id());
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
        ConfigEntry entry = describe(admin, List.of(broker)).get(broker).get("message.max.bytes");
        return entry == null || entry.value() == null ? TopicLimits.BROKER_DEFAULT : Integer.parseInt(entry.value());
    }

    /** describeConfigs, retried while a topic created a moment ago has not reached the broker that answers. */
    private static Map<ConfigResource, Config> describe(Admin admin, List<ConfigResource> resources)
            throws InterruptedException, ExecutionException, TimeoutException {
        for (int attempt = 1; ; attempt++) {
            try {
                return admin.describeConfigs(resources).all().get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || attempt == 20) {
                    throw e;
                }
                Thread.sleep(250);
            }
        }
    }

    private static void warnIfNotCompacted(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = describe(admin, List.of(resource)).get(resource);
        ConfigEntry policy = config == null ? null : config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (policy != null && !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            LOG.warn("Output topic {} has cleanup.policy={}; set it to compact so it keeps every user's latest snapshot",
                    topic, policy.value());
        }
    }
}
