package dev.listenseq.kafka;

import dev.listenseq.config.KafkaLogin;
import dev.listenseq.config.StartupException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A backfill's input: for every partition of the input topics, the offsets [start, stop) whose
 * records fall in the time range [from, to). A time resolves to the first offset whose Kafka record
 * timestamp is at or after it; a partition with no such record resolves to its end offset. The
 * range is contiguous per partition, which is what lets a streaming job continue exactly where a
 * backfill stopped.
 */
public record OffsetRange(Map<TopicPartition, Long> start, Map<TopicPartition, Long> stop) {

    private static final long TIMEOUT_SECONDS = 30;

    public OffsetRange {
        if (!start.keySet().equals(stop.keySet())) {
            throw new IllegalArgumentException("start and stop must cover the same partitions");
        }
        Map<TopicPartition, Long> orderedStart = new TreeMap<>(BY_TOPIC_AND_PARTITION);
        orderedStart.putAll(start);
        Map<TopicPartition, Long> orderedStop = new TreeMap<>(BY_TOPIC_AND_PARTITION);
        for (Map.Entry<TopicPartition, Long> e : stop.entrySet()) {
            orderedStop.put(e.getKey(), Math.max(e.getValue(), orderedStart.get(e.getKey())));
        }
        start = orderedStart;
        stop = orderedStop;
    }

    /** Partitions in topic, then partition number, order. */
    public static final Comparator<TopicPartition> BY_TOPIC_AND_PARTITION =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    /** Records in the range (including transaction markers, which the source skips). */
    public long total() {
        return start.keySet().stream().mapToLong(tp -> stop.get(tp) - start.get(tp)).sum();
    }

    /** Records done, given a position per partition (absent: none done); positions are clamped to the range. */
    public long done(Map<TopicPartition, Long> positions) {
        long done = 0;
        for (TopicPartition tp : start.keySet()) {
            done += done(tp, positions.get(tp));
        }
        return done;
    }

    public long done(TopicPartition tp, Long position) {
        if (position == null) {
            return 0;
        }
        return Math.max(0, Math.min(position, stop.get(tp)) - start.get(tp));
    }

    /**
     * True when every partition has a position and it has reached its stop offset. An empty
     * partition counts only once a position was reported for it: the job is then surely running.
     */
    public boolean finished(Map<TopicPartition, Long> positions) {
        return start.keySet().stream().allMatch(tp -> positions.containsKey(tp) && positions.get(tp) >= stop.get(tp));
    }

    /**
     * Looks the range [from, to) of the input topics up on the brokers; a null bound is the start (or
     * the end) of each partition.
     */
    public static OffsetRange resolve(KafkaSettings kafka, TopicSettings topicSettings, Instant from, Instant to) {
        var props = kafka.properties();
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_SECONDS * 1000));
        try (Admin admin = Admin.create(props)) {
            List<String> topics = topicSettings.inputs();
            Map<String, TopicDescription> described =
                    admin.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
            List<TopicPartition> partitions = described.values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                    .toList();
            Map<TopicPartition, Long> earliest = offsets(admin, partitions, OffsetSpec.earliest());
            Map<TopicPartition, Long> latest = offsets(admin, partitions, OffsetSpec.latest());
            Map<TopicPartition, Long> start = from == null ? earliest : atTime(admin, partitions, from, latest);
            Map<TopicPartition, Long> stop = to == null ? latest : atTime(admin, partitions, to, latest);
            return new OffsetRange(start, stop);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            Optional<String> login = KafkaLogin.advice(cause, kafka.bootstrapServers());
            if (login.isPresent()) {
                throw new StartupException("cannot look up the offsets of " + topicSettings.input() + ": " + login.get(), e);
            }
            throw new StartupException("cannot look up the offsets of " + topicSettings.input() + " (topics.input) on "
                    + kafka.bootstrapServers() + " within " + TIMEOUT_SECONDS + "s: "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking up offsets", e);
        }
    }

    private static Map<TopicPartition, Long> atTime(Admin admin, List<TopicPartition> partitions, Instant time,
                                                    Map<TopicPartition, Long> latest)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, Long> found = offsets(admin, partitions, OffsetSpec.forTimestamp(time.toEpochMilli()));
        Map<TopicPartition, Long> result = new HashMap<>();
        // No record at or after the time: the partition's range ends (or starts) at its end.
        found.forEach((tp, offset) -> result.put(tp, offset < 0 ? latest.get(tp) : offset));
        return result;
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info =
                admin.listOffsets(request).all().get(TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
        Map<TopicPartition, Long> result = new HashMap<>();
        info.forEach((tp, i) -> result.put(tp, i.offset()));
        return result;
    }
}
