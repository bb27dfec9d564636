package dev.listenseq.reader;

import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.Settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * Where a reader finds its topics and keeps its snapshots.
 *
 * @param topic            the compacted output topic (latest snapshot per user)
 * @param historyTopic     the topic as-of lookups and exports scan: every snapshot, or what retention kept
 * @param clientProperties extra Kafka client properties (security, timeouts), passed as they are
 * @param storeDir         folder of the on-disk store; null keeps snapshots in memory
 * @param ready            when the reader stops reporting ready although it is caught up
 */
public record ReaderConfig(String bootstrapServers, String topic, String historyTopic,
                           Map<String, String> clientProperties, Path storeDir, Staleness ready) {

    /**
     * Bounds past which a caught-up reader is stale: no successful broker request for maxSilence
     * (the broker is lost), or records waiting beyond maxLagRecords, or, with records waiting, the
     * newest record read older than maxLag.
     */
    public record Staleness(Duration maxSilence, long maxLagRecords, Duration maxLag) {

        public static final Staleness DEFAULTS = new Staleness(Duration.ofSeconds(30), 100_000, Duration.ofMinutes(1));
    }

    public ReaderConfig {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** With the default staleness bounds. */
    public ReaderConfig(String bootstrapServers, String topic, String historyTopic,
                        Map<String, String> clientProperties, Path storeDir) {
        this(bootstrapServers, topic, historyTopic, clientProperties, storeDir, Staleness.DEFAULTS);
    }

    /** A reader of one topic, with no separate history topic, in memory. */
    public static ReaderConfig of(String bootstrapServers, String topic) {
        return new ReaderConfig(bootstrapServers, topic, topic, Map.of(), null);
    }

    public ReaderConfig withStaleness(Staleness bounds) {
        return new ReaderConfig(bootstrapServers, topic, historyTopic, clientProperties, storeDir, bounds);
    }

    /** From the job's settings: the same broker, output topic and kafka.client.* properties, plus the reader.* keys. */
    public static ReaderConfig from(Settings settings) {
        String output = settings.get(ConfigKeys.TOPIC_OUTPUT);
        String history = settings.get(ConfigKeys.READER_HISTORY_TOPIC);
        if (history.isEmpty()) {
            history = settings.get(ConfigKeys.TOPIC_HISTORY);
        }
        String storeDir = settings.get(ConfigKeys.READER_STORE_DIR);
        return new ReaderConfig(settings.get(ConfigKeys.BOOTSTRAP_SERVERS), output, history.isEmpty() ? output : history,
                settings.withPrefix(ConfigKeys.KAFKA_CLIENT_PREFIX), storeDir.isEmpty() ? null : Path.of(storeDir),
                new Staleness(settings.get(ConfigKeys.READER_MAX_SILENCE), settings.get(ConfigKeys.READER_MAX_LAG_RECORDS),
                        settings.get(ConfigKeys.READER_MAX_LAG)));
    }

    public ReaderConfig withHistoryTopic(String topic) {
        return new ReaderConfig(bootstrapServers, this.topic, topic, clientProperties, storeDir, ready);
    }

    /** Consumer properties: byte arrays, read_committed (exactly-once output is visible only when committed), no group. */
    public Properties consumerProperties() {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put("bootstrap.servers", bootstrapServers);
        props.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        props.putIfAbsent("isolation.level", "read_committed");
        props.putIfAbsent("enable.auto.commit", "false");
        props.putIfAbsent("auto.offset.reset", "earliest");
        props.putIfAbsent("client.id", "listenseq-reader");
        return props;
    }
}
