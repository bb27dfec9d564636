package dev.listenseq.reader;

import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The latest snapshot of every user, read from the compacted output topic and kept current.
 *
 * <p>One background thread reads every partition from the beginning (no consumer group: each
 * reader holds all users) and keeps, per user, the newest snapshot by {@link Lineage} (highest
 * {@code generation}, then {@code version}), so
 * at-least-once duplicates and reordered records change nothing. It is <em>caught up</em> once it
 * has read up to the end offsets the topic had when it started. Records that are not snapshots are
 * skipped and counted; Kafka errors (a broker restart) are retried, never fatal. Lookups
 * ({@link #get}) read the store and decode, from any thread.
 *
 * <p>Uses kafka-clients and Avro only: no Flink on the classpath is needed (ArchitectureTest and
 * FlinkFreeReaderIT check it).
 */
public final class SequenceReader implements AutoCloseable, ReaderServer.Lookups {

    private static final Logger LOG = LoggerFactory.getLogger(SequenceReader.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long PARTITION_CHECK_MS = 30_000;
    private static final long LAG_CHECK_MS = 1_000;

    private final ReaderConfig config;
    private final SnapshotStore store;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ThreadLocal<SingleObjectCodec<UserSequence>> codecs =
            ThreadLocal.withInitial(() -> SingleObjectCodec.of(UserSequence.class));
    private final Map<TopicPartition, Long> catchUpTargets = new HashMap<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong kept = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final Thread thread;
    private final long startedNanos = System.nanoTime();
    private volatile String lastSkipped;
    /** Wall-clock ms of the last request the broker answered. */
    private volatile long lastContactMs = System.currentTimeMillis();
    private volatile long lagRecords = -1;
    private volatile long newestRecordMs = -1;
    private long nextLagCheck;
    private volatile boolean running = true;
    private List<TopicPartition> assigned;
    private long nextPartitionCheck;

    private SequenceReader(ReaderConfig config, SnapshotStore store) {
        this.config = config;
        this.store = store;
        this.consumer = new KafkaConsumer<>(config.consumerProperties());
        try {
            assigned = Topics.partitions(consumer, config.topic(), config.bootstrapServers());
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(assigned);
            consumer.endOffsets(assigned).forEach((tp, end) -> {
                if (end > begin.get(tp)) {
                    catchUpTargets.put(tp, end);
                }
            });
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        nextPartitionCheck = System.currentTimeMillis() + PARTITION_CHECK_MS;
        this.thread = new Thread(this::run, "sequence-reader-" + config.topic());
        this.thread.setDaemon(true);
    }

    /** Starts reading, with the store the configuration asks for (memory, or disk in reader.store-dir). */
    public static SequenceReader start(ReaderConfig config) {
        return start(config, config.storeDir() == null ? new MemoryStore() : DiskStore.open(config.storeDir()));
    }

    /** Starts reading into the given store. */
    public static SequenceReader start(ReaderConfig config, SnapshotStore store) {
        SequenceReader reader;
        try {
            reader = new SequenceReader(config, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        reader.thread.start();
        return reader;
    }

    /** The user's latest snapshot, or empty for a user never seen. */
    public Optional<UserSequence> get(String user) {
        SnapshotStore.Entry entry = store.get(user);
        if (entry == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(codecs.get().decode(entry.encoded()));
        } catch (DecodeException e) {
            throw new IllegalStateException("a stored snapshot of " + user + " no longer decodes: " + e.getMessage(), e);
        }
    }

    /**
     * The user's snapshot as it was at {@code time}: the highest version whose {@code as_of} is at or
     * before it, from the history topic, so it holds no event after {@code time}. Scans the user's
     * partition of the history topic (a read of the whole partition, for offline use).
     */
    public Optional<UserSequence> asOf(String user, Instant time) {
        return History.asOf(config, user, time);
    }

    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** Waits until the reader has read what the topic held when it started; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the reading thread is alive (it stops only when closed). */
    public boolean isRunning() {
        return running && thread.isAlive();
    }

    /**
     * Whether lookups can be trusted as current: caught up, still reading, the broker answered within
     * reader.ready.max-silence, and no more behind than reader.ready.max-lag-records and
     * reader.ready.max-lag. A serving system takes a reader that is not ready out of rotation (or
     * serves with a "stale" flag) rather than serve silently old sequences.
     */
    public boolean isReady() {
        return notReady() == null;
    }

    public ReaderStats stats() {
        String notReady = notReady();
        return new ReaderStats(records.get(), kept.get(), stale.get(), skipped.get(), store.size(), isCaughtUp(),
                lastSkipped, notReady == null, notReady, lagRecords,
                Math.max(0, System.currentTimeMillis() - lastContactMs));
    }

    /** Why the reader is not ready, or null when it is. */
    private String notReady() {
        if (!isRunning()) {
            return "stopped reading (see the log)";
        }
        if (!isCaughtUp()) {
            return "catching up";
        }
        ReaderConfig.Staleness bounds = config.ready();
        long now = System.currentTimeMillis();
        long silence = now - lastContactMs;
        if (silence > bounds.maxSilence().toMillis()) {
            return "no answer from the broker for " + silence + " ms (reader.ready.max-silence "
                    + bounds.maxSilence().toMillis() + " ms)";
        }
        long lag = lagRecords;
        if (lag > bounds.maxLagRecords()) {
            return lag + " records not read yet (reader.ready.max-lag-records " + bounds.maxLagRecords() + ")";
        }
        long newest = newestRecordMs;
        if (lag > 0 && newest >= 0 && now - newest > bounds.maxLag().toMillis()) {
            return lag + " records not read yet and the newest read is " + (now - newest) + " ms old (reader.ready.max-lag "
                    + bounds.maxLag().toMillis() + " ms)";
        }
        return null;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }

    private void run() {
        long failures = 0;
        try {
            while (running) {
                try {
                    var polled = consumer.poll(POLL);
                    if (!polled.isEmpty()) {
                        lastContactMs = System.currentTimeMillis();
                    }
                    for (ConsumerRecord<byte[], byte[]> r : polled) {
                        apply(r);
                    }
                    if (System.currentTimeMillis() >= nextLagCheck) {
                        checkLag();
                    }
                    if (!isCaughtUp()) {
                        checkCaughtUp();
                    }
                    if (System.currentTimeMillis() >= nextPartitionCheck) {
                        followNewPartitions();
                    }
                    if (failures > 0) {
                        LOG.info("Reading {} again after {} failed attempt(s)", config.topic(), failures);
                        failures = 0;
                    }
                } catch (WakeupException e) {
                    // close() asked us to stop; the loop condition ends it.
                } catch (KafkaException e) {
                    // A broker restart or a network problem: the consumer reconnects; keep its position and retry.
                    if (failures++ == 0) {
                        LOG.warn("Reading {} failed ({}); retrying", config.topic(), e.toString());
                    }
                    sleep(Math.min(5_000, 100L << Math.min(failures, 6)));
                }
            }
        } catch (RuntimeException e) {
            // Not a Kafka problem (say, the disk store failed): stop, and let /health and isRunning() say so.
            LOG.error("Reading {} stopped", config.topic(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Asks the broker for the end offsets (committed records only, as the consumer reads): a poll of
     * an idle topic returns nothing whether or not the broker is there, so this is the proof of contact.
     */
    private void checkLag() {
        nextLagCheck = System.currentTimeMillis() + LAG_CHECK_MS;
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned, Duration.ofSeconds(5));
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            lag += Math.max(0, e.getValue() - consumer.position(e.getKey(), Duration.ofSeconds(5)));
        }
        lagRecords = lag;
        lastContactMs = System.currentTimeMillis();
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        records.incrementAndGet();
        newestRecordMs = Math.max(newestRecordMs, r.timestamp());
        if (r.value() == null) {
            if (r.key() == null) {
                skip(r, "a tombstone (null value) without a key");
            } else {
                // The user was erased: forgotten, so the next snapshot (version 1 again) is kept.
                store.remove(new String(r.key(), StandardCharsets.UTF_8));
            }
            return;
        }
        UserSequence snapshot;
        try {
            snapshot = codecs.get().decode(r.value());
        } catch (DecodeException e) {
            skip(r, e.getMessage());
            return;
        }
        String user = snapshot.getUserId();
        if (r.key() != null && !user.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            skip(r, "its key is not its user_id " + user);
            return;
        }
        if (store.putIfNewer(user, snapshot.getGeneration(), snapshot.getVersion(), r.value())) {
            kept.incrementAndGet();
        } else {
            stale.incrementAndGet();
        }
    }

    private void skip(ConsumerRecord<byte[], byte[]> r, String why) {
        long n = skipped.incrementAndGet();
        String what = r.topic() + " partition " + r.partition() + " offset " + r.offset() + " is not a snapshot: " + why;
        lastSkipped = what;
        // The first few in full; after that a count, so a topic full of junk cannot flood the log.
        if (n <= 10 || Long.bitCount(n) == 1) {
            LOG.warn("Skipped record #{}: {}", n, what);
        }
    }

    private void checkCaughtUp() {
        for (Map.Entry<TopicPartition, Long> target : catchUpTargets.entrySet()) {
            if (consumer.position(target.getKey(), Duration.ofSeconds(1)) < target.getValue()) {
                return;
            }
        }
        caughtUp.countDown();
        LOG.info("Caught up with {}: {} users from {} records ({} skipped) in {} ms", config.topic(), store.size(),
                records.get(), skipped.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }

    private void followNewPartitions() {
        nextPartitionCheck = System.currentTimeMillis() + PARTITION_CHECK_MS;
        List<TopicPartition> now = Topics.partitions(consumer, config.topic(), config.bootstrapServers());
        if (now.size() > assigned.size()) {
            List<TopicPartition> added = new ArrayList<>(now);
            added.removeAll(assigned);
            consumer.assign(now);
            consumer.seekToBeginning(added);
            assigned = now;
            LOG.info("{} has new partitions {}; reading them from the beginning", config.topic(), added);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
