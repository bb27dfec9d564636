package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.flink.JobMetrics;
import dev.listenseq.kafka.KafkaConnectors;
import dev.listenseq.kafka.TopicAdmin;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records of every size the broker accepts, and a snapshot over its topic's limit, cannot stop the
 * job: a 700 KB key and a 900 KB value become small dead letters, the big user's snapshot is cut to
 * fit, every record is accounted for and every other user's output is exact. Restarts are disabled,
 * so one failed write anywhere fails the job and this test. A hot user with small caps neither stops
 * the job nor changes any other user's output.
 */
class HostileInputIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final long NOW = System.currentTimeMillis();
    /** Output limit low enough that a few thousand long items are over it. */
    private static final int OUTPUT_LIMIT = 256 * 1024;
    private static final int BIG_USER_SONGS = 3000;

    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);

    @Test
    void oversizedRecordsAndSnapshotsNeitherStopTheJobNorTouchOtherUsers() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "hostile", Map.of(
                "flink.restart-strategy.type", "none",
                "sequence.max-items", "10000",
                // The big user's snapshot grows to ~1 MB: emitting each of its 3,000 versions is pointless work.
                "emit.min-interval", "2s"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(config.topics().output(), 3, (short) 1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(OUTPUT_LIMIT))))).all().get();
        }
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        String in = config.topics().input();

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, List<ListenEvent>> normal = new LinkedHashMap<>();
        Random random = new Random(13);
        byte[] hugeKey = new byte[700 * 1024];
        random.nextBytes(hugeKey);
        byte[] small = new byte[16];
        random.nextBytes(small);
        byte[] compressible = "listen ".repeat(900 * 1024 / 7).getBytes(StandardCharsets.UTF_8);
        records.add(new ProducerRecord<>(in, 0, hugeKey, small));
        records.add(new ProducerRecord<>(in, 1, "k900".getBytes(StandardCharsets.UTF_8), compressible));

        List<ListenEvent> big = new ArrayList<>();
        for (int i = 0; i < BIG_USER_SONGS; i++) {
            String song = String.format("%06d-", i) + "s".repeat(121);
            big.add(new ListenEvent("big-" + i, "big-user", song, "a".repeat(128), ListenType.PLAY,
                    Instant.ofEpochMilli(NOW - 3_600_000 + i), 100_000L, 180_000L, "radio", null, null));
        }
        for (int u = 0; u < 20; u++) {
            String user = "user-" + u;
            List<ListenEvent> events = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ListenType type = ListenType.values()[random.nextInt(4)];
                events.add(new ListenEvent(user + "-e" + i, user, "song-" + random.nextInt(12), null, type,
                        Instant.ofEpochMilli(NOW - 7_200_000 + random.nextInt(3_600_000)),
                        type == ListenType.PLAY || type == ListenType.SKIP ? (long) random.nextInt(180_000) : null,
                        180_000L, "daily-mix", null, null));
            }
            events.add(events.get(3));
            // Older than the 90-day horizon: late.
            events.add(new ListenEvent(user + "-old", user, "song-1", null, ListenType.PLAY,
                    Instant.ofEpochMilli(NOW - 200L * 86_400_000), 1000L, 180_000L, null, null, null));
            normal.put(user, events);
        }
        int bigAt = 0;
        for (int round = 0; round < 32; round++) {
            for (List<ListenEvent> events : normal.values()) {
                if (round < events.size()) {
                    ListenEvent e = events.get(round);
                    records.add(new ProducerRecord<>(in, key(e.getUserId()), codec.encode(e)));
                }
            }
            for (int n = 0; n < BIG_USER_SONGS / 32 + 1 && bigAt < big.size(); n++, bigAt++) {
                records.add(new ProducerRecord<>(in, key("big-user"), codec.encode(big.get(bigAt))));
            }
        }
        Properties producer = TestKafka.producerProps(kafka);
        // The producer's own default limit (1 MB) is just above these records; the broker's is ~1 MB too.
        producer.put("max.request.size", String.valueOf(2 * 1024 * 1024));
        // Sent in one go: the idempotent producer keeps each partition's order without a round trip per record.
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producer)) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                sent.add(p.send(r));
            }
            p.flush();
        }
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        JobClient job = env.executeAsync(config.jobName());
        job.getJobExecutionResult().get(5, TimeUnit.MINUTES);

        // Dead letters: coordinates, sizes and hashes of the whole originals, at most 64 KB of each.
        SingleObjectCodec<DeadLetter> letters = SingleObjectCodec.of(DeadLetter.class);
        Map<DeadLetterReason, DeadLetter> byReason = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().dlq())) {
            DeadLetter letter = letters.decode(r.value());
            byReason.put(letter.getReason(), letter);
            assertTrue(r.serializedKeySize() + r.serializedValueSize() < 200_000, "a dead letter of "
                    + (r.serializedKeySize() + r.serializedValueSize()) + " bytes");
        }
        assertEquals(2, byReason.size(), byReason.keySet().toString());
        DeadLetter keyLetter = byReason.get(DeadLetterReason.INVALID_KEY);
        assertEquals(hugeKey.length, keyLetter.getKeySize());
        assertTrue(keyLetter.getKeyTruncated());
        assertEquals(65_536, keyLetter.getKey().remaining());
        assertArrayEquals(sha256(hugeKey), TestKafka.bytes(keyLetter.getKeySha256()));
        assertArrayEquals(small, TestKafka.bytes(keyLetter.getValue()));
        assertFalse(keyLetter.getValueTruncated());
        assertEquals(0, keyLetter.getSourcePartition());
        DeadLetter valueLetter = byReason.get(DeadLetterReason.UNDECODABLE);
        assertEquals(compressible.length, valueLetter.getValueSize());
        assertTrue(valueLetter.getValueTruncated());
        assertEquals(65_536, valueLetter.getValue().remaining());
        assertArrayEquals(sha256(compressible), TestKafka.bytes(valueLetter.getValueSha256()));
        assertEquals(1, valueLetter.getSourcePartition());

        // Snapshots: the newest per user; the big user's cut to the topic's limit, the others exact.
        SingleObjectCodec<UserSequence> sequences = SingleObjectCodec.of(UserSequence.class);
        Map<String, UserSequence> newest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().output())) {
            assertTrue(r.serializedKeySize() + r.serializedValueSize() <= OUTPUT_LIMIT);
            UserSequence s = sequences.decode(r.value());
            newest.merge(s.getUserId(), s, (a, b) -> a.getVersion() >= b.getVersion() ? a : b);
        }
        assertEquals(21, newest.size(), newest.keySet().toString());
        UserSequence bigExpected = Replay.of(config, "big-user", big);
        UserSequence bigActual = newest.get("big-user");
        assertEquals(BIG_USER_SONGS, bigActual.getVersion());
        int kept = bigActual.getItems().size();
        assertTrue(kept > 100 && kept < BIG_USER_SONGS, "the big user's snapshot keeps " + kept + " items");
        assertEquals(bigExpected.getItems().subList(0, kept).stream().map(i -> i.getSongId()).toList(),
                bigActual.getItems().stream().map(i -> i.getSongId()).toList(), "the highest-ranked items are kept");
        for (Map.Entry<String, List<ListenEvent>> user : normal.entrySet()) {
            Replay.assertSameItems(Replay.of(config, user.getKey(), user.getValue()), newest.get(user.getKey()));
        }

        JobCounters counters = InProcessMetrics.counters(job.getJobID());
        assertEquals(records.size(), counters.recordsIn(), counters.toString());
        assertEquals(0, counters.unaccounted(), counters.toString());
        assertEquals(2, counters.deadLettered(), counters.toString());
        assertEquals(20, counters.duplicates(), counters.toString());
        assertEquals(20, counters.late(), counters.toString());
        assertEquals(20, TestKafka.readAll(kafka, config.topics().late()).size());
        assertTrue(counters.count(KafkaConnectors.SNAPSHOTS_TRIMMED) > 0, counters.toString());
    }

    /**
     * A hot user (one key sending most of the input, its records bunched in event time) with small caps,
     * in event-time ordering: the job keeps running, the bot's sequence stays within max-items, what
     * does not fit its event-time buffer goes to the late topic as PENDING_FULL and is counted, every
     * bot record is either applied or such a late record, and every other user's final snapshot is
     * what they get without the bot.
     */
    @Test
    void aHotUserStaysWithinItsCapsAndLeavesEveryOtherUserExact() throws Exception {
        int maxItems = 20;
        int maxPending = 100;
        JobConfig config = TestKafka.jobConfig(kafka, "hostile-hot", Map.of(
                "flink.restart-strategy.type", "none",
                "ordering.mode", "event-time",
                // Two rounds of traffic (below) wait for the watermark: 250 of the bot's records, over its buffer.
                "ordering.max-disorder", "2m",
                "ordering.max-pending", String.valueOf(maxPending),
                "sequence.dedup-max-ids", "50",
                "sequence.max-items", String.valueOf(maxItems)));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        String in = config.topics().input();
        String bot = "hot-bot";
        int rounds = 32;
        int botPerRound = 125;
        long t0 = NOW - 3 * 3_600_000L;
        Random random = new Random(14);
        Map<String, List<ListenEvent>> normal = new LinkedHashMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        // Event times rise with the rounds in every partition, so only the buffer cap makes anything late.
        for (int round = 0; round < rounds; round++) {
            long roundTime = t0 + round * 60_000L;
            for (int u = 0; u < 20; u++) {
                String user = "user-" + u;
                ListenType type = ListenType.values()[random.nextInt(4)];
                ListenEvent e = event(user + "-e" + round, user, "song-" + random.nextInt(12), type, roundTime + u * 10L,
                        type == ListenType.PLAY || type == ListenType.SKIP ? (long) random.nextInt(180_000) : null);
                normal.computeIfAbsent(user, k -> new ArrayList<>()).add(e);
                records.add(new ProducerRecord<>(in, key(user), codec.encode(e)));
            }
            for (int j = 0; j < botPerRound; j++) {
                int n = round * botPerRound + j;
                ListenEvent e = event("bot-" + n, bot, "song-" + (n * 7 % 500), ListenType.PLAY, roundTime + 500 + 2L * j, 30_000L);
                records.add(new ProducerRecord<>(in, key(bot), codec.encode(e)));
            }
        }
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(TestKafka.producerProps(kafka))) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                p.send(r);
            }
            p.flush();
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        JobClient job = env.executeAsync(config.jobName());
        job.getJobExecutionResult().get(5, TimeUnit.MINUTES);

        JobCounters counters = InProcessMetrics.counters(job.getJobID());
        assertEquals(records.size(), counters.recordsIn(), counters.toString());
        assertEquals(0, counters.unaccounted(), counters.toString());
        long pendingFull = counters.count(JobMetrics.LATE_PENDING_FULL);
        assertTrue(pendingFull > 0, "the bot's buffer overflowed: " + counters);
        assertEquals(pendingFull, counters.late(), "nothing else is late: " + counters);
        List<ConsumerRecord<byte[], byte[]>> late = TestKafka.readAll(kafka, config.topics().late());
        assertEquals(pendingFull, late.size());
        for (ConsumerRecord<byte[], byte[]> r : late) {
            assertEquals(bot, new String(r.key(), StandardCharsets.UTF_8));
            assertEquals("PENDING_FULL", new String(r.headers().lastHeader(KafkaConnectors.HEADER_LATE_REASON).value(),
                    StandardCharsets.UTF_8));
        }

        SingleObjectCodec<UserSequence> sequences = SingleObjectCodec.of(UserSequence.class);
        Map<String, UserSequence> newest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().output())) {
            UserSequence s = sequences.decode(r.value());
            newest.merge(s.getUserId(), s, (a, b) -> a.getVersion() >= b.getVersion() ? a : b);
            if (s.getUserId().equals(bot)) {
                assertTrue(s.getItems().size() <= maxItems, "a snapshot of the bot holds " + s.getItems().size() + " items");
            }
        }
        UserSequence botSequence = newest.get(bot);
        assertEquals(rounds * botPerRound, botSequence.getVersion() + pendingFull,
                "each of the bot's records is applied or late for a full buffer");
        assertEquals(maxItems, botSequence.getItems().size(), "the bot's sequence is full and evicts");
        assertEquals(21, newest.size(), newest.keySet().toString());
        for (Map.Entry<String, List<ListenEvent>> user : normal.entrySet()) {
            Replay.assertSameItems(Replay.of(config, user.getKey(), user.getValue()), newest.get(user.getKey()));
        }
    }

    private static ListenEvent event(String id, String user, String song, ListenType type, long time, Long playedMs) {
        return ListenEvent.newBuilder().setEventId(id).setUserId(user).setSongId(song).setType(type)
                .setEventTime(Instant.ofEpochMilli(time)).setPlayedMs(playedMs).setDurationMs(180_000L).build();
    }

    private static byte[] key(String user) {
        return user.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }
}
