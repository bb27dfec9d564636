package dev.listenseq.reader;

import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Point-in-time reads from the history topic (every snapshot the job wrote, or what retention and
 * compaction kept of them).
 *
 * <p>The rule: the snapshot of a user <em>as of</em> time t is the highest version whose
 * {@code as_of} is at or before t. {@code as_of} is the newest event time applied, so that snapshot
 * holds no event after t. A user's {@code as_of} never decreases with its version, so this is also
 * the last snapshot the job emitted before its event time passed t. Events that arrived late (out
 * of order, after a later event) and events collapsed by the emit throttle into a snapshot whose
 * {@code as_of} is after t are not in it: history can only return what the job emitted.
 *
 * <p>Erasure: a tombstone for a user's key (the job writes one when the user asks to be forgotten)
 * ends everything before it. A scan reports it to its {@link Visitor}, and every reader of the
 * history drops what it kept of the user, so no lookup or export returns a snapshot written before
 * the user's last tombstone; only the new sequence after it. A user's records share one partition,
 * so the scan meets them in the order the job wrote them.
 */
public final class History {

    /** What a scan meets of a wanted user, in the topic's order: snapshots and erasures. */
    public interface Visitor {
        /** A decoded snapshot with the record it came from. */
        void accept(UserSequence snapshot, byte[] encoded);

        /** A tombstone for the user: forget every snapshot of the user met so far. */
        void erased(String user);
    }

    /** Progress of a scan: offsets read so far of the total to read (records plus transaction markers). */
    public interface Progress {
        void update(long scanned, long total);
    }

    /**
     * What a scan read: every record, the snapshots and erasures (tombstones) of wanted users, and
     * records that were not snapshots.
     */
    public record ScanStats(long records, long snapshots, long erasures, long skipped) {
    }

    private History() {
    }

    /**
     * The user's snapshot as of the time, from the user's partition of the history topic; never one
     * written before the user's last erasure.
     */
    public static Optional<UserSequence> asOf(ReaderConfig config, String user, Instant time) {
        long t = time.toEpochMilli();
        return newest(config, user, s -> s.getAsOf().toEpochMilli() <= t);
    }

    /**
     * The newest snapshot (by {@link Lineage}) of the user that passes the filter, from the user's
     * partition of the configuration's history topic, written after the user's last erasure.
     */
    public static Optional<UserSequence> newest(ReaderConfig config, String user, Predicate<UserSequence> filter) {
        UserSequence[] best = new UserSequence[1];
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        scan(config, key, user::equals, new Visitor() {
            @Override
            public void accept(UserSequence s, byte[] encoded) {
                if (filter.test(s) && Lineage.newer(s, best[0])) {
                    best[0] = s;
                }
            }

            @Override
            public void erased(String erasedUser) {
                best[0] = null;
            }
        }, (scanned, total) -> { });
        return Optional.ofNullable(best[0]);
    }

    /**
     * Reads the history topic from its beginning to the end it has when the scan starts, and hands
     * every snapshot and every tombstone whose record key is a wanted user to the visitor. Only those
     * snapshots are decoded. A tombstone without a key names no one: it is counted as skipped.
     *
     * @param onlyKey when not null, read only the partition this key is written to
     */
    public static ScanStats scan(ReaderConfig config, byte[] onlyKey, Predicate<String> wantedUser, Visitor visitor,
                                 Progress progress) {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config.consumerProperties())) {
            List<TopicPartition> partitions = Topics.partitions(consumer, config.historyTopic(), config.bootstrapServers());
            if (onlyKey != null) {
                partitions = List.of(partitions.get(Topics.partitionForKey(onlyKey, partitions.size())));
            }
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            long total = 0;
            List<TopicPartition> toRead = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                if (end.get(tp) > begin.get(tp)) {
                    toRead.add(tp);
                    total += end.get(tp) - begin.get(tp);
                }
            }
            consumer.assign(toRead);
            consumer.seekToBeginning(toRead);
            long records = 0;
            long snapshots = 0;
            long erasures = 0;
            long skipped = 0;
            progress.update(0, total);
            while (!toRead.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    records++;
                    if (r.key() == null) {
                        skipped++;
                        continue;
                    }
                    String user = new String(r.key(), StandardCharsets.UTF_8);
                    if (!wantedUser.test(user)) {
                        continue;
                    }
                    if (r.value() == null) {
                        erasures++;
                        visitor.erased(user);
                        continue;
                    }
                    try {
                        UserSequence s = codec.decode(r.value());
                        snapshots++;
                        visitor.accept(s, r.value());
                    } catch (DecodeException e) {
                        skipped++;
                    }
                }
                // Transaction markers and aborted records take offsets too: progress and the end go by position.
                long done = 0;
                for (TopicPartition tp : partitions) {
                    if (end.get(tp) > begin.get(tp)) {
                        done += Math.min(end.get(tp), toRead.contains(tp) ? consumer.position(tp) : end.get(tp)) - begin.get(tp);
                    }
                }
                toRead.removeIf(tp -> {
                    if (consumer.position(tp) >= end.get(tp)) {
                        consumer.pause(List.of(tp));
                        return true;
                    }
                    return false;
                });
                progress.update(done, total);
            }
            progress.update(total, total);
            return new ScanStats(records, snapshots, erasures, skipped);
        }
    }
}
