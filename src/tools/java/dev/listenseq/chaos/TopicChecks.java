package dev.listenseq.chaos;

import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the chaos run checks, read from the topics alone: committed records (read_committed), the
 * last stable offset against the log end (an open transaction holds the first back), and the pure
 * comparisons behind each verdict, kept free of Kafka so they are unit-tested.
 */
final class TopicChecks {

    /** Fields two runs legitimately differ in: when the snapshot was emitted, and the run's lineage. */
    static final Set<String> IGNORED_FIELDS = Set.of("emitted_at", "generation");

    private final String bootstrapServers;

    TopicChecks(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Hands every committed record of a topic to {@code action}, each partition's in offset order
     * (partitions interleave). Nothing is kept: a long run's output does not fit in memory.
     */
    void forEachCommitted(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> action) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("read_committed")) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(500)).forEach(action);
            }
        }
    }

    /** How many committed records a topic holds (transaction markers and aborted records not counted). */
    long countCommitted(String topic) {
        long[] n = {0};
        forEachCommitted(topic, r -> n[0]++);
        return n[0];
    }

    /** Per user of a snapshot topic, its committed versions in offset order and its last snapshot. */
    Map<String, UserSnapshots> snapshots(String topic) {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        Map<String, UserSnapshots> byUser = new LinkedHashMap<>();
        forEachCommitted(topic, r -> add(byUser, codec, r));
        return byUser;
    }

    /** One user's committed snapshots: every version (one user lives in one partition), and the last. */
    static final class UserSnapshots {
        final List<Long> versions = new ArrayList<>();
        UserSequence last;
    }

    /**
     * Partitions whose last stable offset (how far read_committed readers may read) is behind the log
     * end: a transaction is open there. Empty when every transaction is committed or aborted.
     */
    Map<TopicPartition, String> openTransactions(List<String> topics) {
        Map<TopicPartition, String> open = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        try (KafkaConsumer<byte[], byte[]> committed = consumer("read_committed");
             KafkaConsumer<byte[], byte[]> uncommitted = consumer("read_uncommitted")) {
            for (String topic : topics) {
                List<TopicPartition> partitions = partitions(committed, topic);
                Map<TopicPartition, Long> stable = committed.endOffsets(partitions);
                Map<TopicPartition, Long> logEnd = uncommitted.endOffsets(partitions);
                for (TopicPartition p : partitions) {
                    if (!stable.get(p).equals(logEnd.get(p))) {
                        open.put(p, "last stable offset " + stable.get(p) + " < log end " + logEnd.get(p));
                    }
                }
            }
        }
        return open;
    }

    /** Records of a topic, read_uncommitted (the input is written without transactions). */
    long count(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("read_uncommitted")) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            return partitions.stream().mapToLong(p -> end.get(p) - begin.get(p)).sum();
        }
    }

    /** Folds one snapshot record into its user's entry; tombstones (erasures) are skipped. */
    static void add(Map<String, UserSnapshots> byUser, SingleObjectCodec<UserSequence> codec,
                    ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return;
        }
        UserSequence snapshot;
        try {
            snapshot = codec.decode(r.value());
        } catch (DecodeException e) {
            throw new IllegalStateException("snapshot at " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " does not decode", e);
        }
        UserSnapshots user = byUser.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), u -> new UserSnapshots());
        user.versions.add(snapshot.getVersion());
        user.last = snapshot;
    }

    /**
     * Per user, the committed versions in offset order must never go backwards; with
     * {@code gapFree} (emit.min-interval 0) they must be exactly 1, 2, ..., n, so nothing was lost
     * and nothing repeated. One line per offending user.
     */
    static List<String> versionViolations(Map<String, List<Long>> versionsByUser, boolean gapFree) {
        List<String> violations = new ArrayList<>();
        versionsByUser.forEach((user, versions) -> {
            for (int i = 0; i < versions.size(); i++) {
                long previous = i == 0 ? 0 : versions.get(i - 1);
                long v = versions.get(i);
                if (v < previous || (i > 0 && v == previous)) {
                    violations.add(user + ": version " + v + " after " + previous + " (went backwards or repeated) at snapshot #" + (i + 1));
                    return;
                }
                if (gapFree && v != previous + 1) {
                    violations.add(user + ": version " + v + " after " + previous + " (a gap: snapshots lost) at snapshot #" + (i + 1));
                    return;
                }
            }
        });
        return violations;
    }

    /** Users whose final snapshot differs from the replay's, ignoring {@link #IGNORED_FIELDS}; one line each. */
    static List<String> snapshotDifferences(Map<String, UserSequence> expected, Map<String, UserSequence> actual) {
        List<String> differences = new ArrayList<>();
        for (String user : expected.keySet()) {
            if (!actual.containsKey(user)) {
                differences.add(user + ": in the replay, missing from the chaos run");
            }
        }
        actual.forEach((user, got) -> {
            UserSequence want = expected.get(user);
            if (want == null) {
                differences.add(user + ": in the chaos run, missing from the replay");
                return;
            }
            for (Schema.Field field : got.getSchema().getFields()) {
                if (!IGNORED_FIELDS.contains(field.name()) && !Objects.equals(want.get(field.pos()), got.get(field.pos()))) {
                    differences.add(user + ": " + field.name() + " differs: replay " + want.get(field.pos())
                            + " / chaos run " + got.get(field.pos()));
                    return;
                }
            }
        });
        return differences;
    }

    private KafkaConsumer<byte[], byte[]> consumer(String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        return new KafkaConsumer<>(props);
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofMinutes(1))) {
            partitions.add(new TopicPartition(topic, p.partition()));
        }
        return partitions;
    }
}
