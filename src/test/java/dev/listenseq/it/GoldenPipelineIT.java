package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.TopicAdmin;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The whole job against a real broker with known input: every snapshot it writes must be exactly
 * the one worked out by hand below from the formulas of docs/design.md, read back with read_committed.
 */
class GoldenPipelineIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long MIN = 60_000;
    private static final double HALF_LIFE = 14 * 24 * 3600 * 1000.0;
    private static final double TWO_PLAYS = 1 + 0.5 * Math.log(2);

    private final SingleObjectCodec<ListenEvent> events = SingleObjectCodec.of(ListenEvent.class);

    /** 2^(-dt / half-life). */
    private static double d(long dtMs) {
        return Math.pow(2, -dtMs / HALF_LIFE);
    }

    private static ListenEvent event(String id, String user, String song, ListenType type, long time,
                                     Long played, Long duration, String artist) {
        return new ListenEvent(id, user, song, artist, type, Instant.ofEpochMilli(time), played, duration, "radio", null, null);
    }

    private ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    @Test
    void knownEventsGiveExactlyTheExpectedSnapshotsDeadLettersAndLateEvents() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "golden", Map.of());
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        String in = config.topics().input();

        byte[] e2 = events.encode(event("a2", "alice", "song-b", ListenType.PLAY, T0 + 5 * MIN, 60_000L, null, null));
        byte[] late = events.encode(event("a9", "alice", "song-d", ListenType.PLAY, T0 - 100L * 24 * 60 * MIN, 180_000L, null, null));
        byte[] negative = events.encode(event("b2", "bob", "song-b", ListenType.PLAY, T0 + 61 * MIN, -5L, null, null));
        byte[] garbage = "{\"user\":\"bob\"}".getBytes(StandardCharsets.UTF_8);
        List<ProducerRecord<byte[], byte[]>> input = List.of(
                record(in, "alice", events.encode(event("a1", "alice", "song-a", ListenType.PLAY, T0, 180_000L, 200_000L, "artist-x"))),
                record(in, "alice", e2),
                record(in, "alice", events.encode(event("a3", "alice", "song-c", ListenType.SKIP, T0 + 10 * MIN, 10_000L, 200_000L, null))),
                record(in, "alice", events.encode(event("a4", "alice", "song-a", ListenType.PLAY, T0 + 15 * MIN, 200_000L, 200_000L, null))),
                record(in, "alice", events.encode(event("a5", "alice", "song-a", ListenType.LIKE, T0 + 16 * MIN, null, null, null))),
                record(in, "alice", e2),
                record(in, "alice", events.encode(event("a7", "alice", "song-b", ListenType.PLAY, T0 + 2 * MIN, 180_000L, null, null))),
                record(in, "alice", events.encode(event("a8", "alice", "song-c", ListenType.COLLECT, T0 + 20 * MIN, null, null, null))),
                record(in, "alice", late),
                record(in, "bob", events.encode(event("b1", "bob", "song-a", ListenType.PLAY, T0 + 60 * MIN, 100_000L, 200_000L, null))),
                record(in, "bob", negative),
                record(in, "bob", garbage));
        List<RecordMetadata> sent = TestKafka.send(kafka, input);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        JobClient job = env.executeAsync(config.jobName());
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        Map<String, List<UserSequence>> byUser = new LinkedHashMap<>();
        SingleObjectCodec<UserSequence> sequences = SingleObjectCodec.of(UserSequence.class);
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().output())) {
            UserSequence s = sequences.decode(r.value());
            assertEquals(s.getUserId(), new String(r.key(), StandardCharsets.UTF_8), "key is the user id");
            byUser.computeIfAbsent(s.getUserId(), u -> new ArrayList<>()).add(s);
        }

        List<UserSequence> alice = byUser.get("alice");
        assertEquals(7, alice.size(), "one snapshot per applied event: 9 events, one duplicate, one late");
        long a = T0;
        assertSnapshot(alice.get(0), 1, a, List.of(
                item("song-a", "artist-x", a, a, ListenType.PLAY, 1, 0, false, false, 180_000, 0.9)));
        assertSnapshot(alice.get(1), 2, a + 5 * MIN, List.of(
                item("song-b", null, a + 5 * MIN, a + 5 * MIN, ListenType.PLAY, 1, 0, false, false, 60_000, 1.0 / 3),
                item("song-a", "artist-x", a, a, ListenType.PLAY, 1, 0, false, false, 180_000, 0.9 * d(5 * MIN))));
        assertSnapshot(alice.get(2), 3, a + 10 * MIN, List.of(
                item("song-c", null, a + 10 * MIN, a + 10 * MIN, ListenType.SKIP, 0, 1, false, false, 10_000, -0.95),
                item("song-b", null, a + 5 * MIN, a + 5 * MIN, ListenType.PLAY, 1, 0, false, false, 60_000, 1.0 / 3 * d(5 * MIN)),
                item("song-a", "artist-x", a, a, ListenType.PLAY, 1, 0, false, false, 180_000, 0.9 * d(10 * MIN))));
        assertSnapshot(alice.get(3), 4, a + 15 * MIN, List.of(
                item("song-a", "artist-x", a, a + 15 * MIN, ListenType.PLAY, 2, 0, false, false, 380_000,
                        TWO_PLAYS * (0.9 * d(15 * MIN) + 1.0)),
                item("song-c", null, a + 10 * MIN, a + 10 * MIN, ListenType.SKIP, 0, 1, false, false, 10_000, -0.95 * d(5 * MIN)),
                item("song-b", null, a + 5 * MIN, a + 5 * MIN, ListenType.PLAY, 1, 0, false, false, 60_000, 1.0 / 3 * d(10 * MIN))));
        assertSnapshot(alice.get(4), 5, a + 16 * MIN, List.of(
                item("song-a", "artist-x", a, a + 16 * MIN, ListenType.LIKE, 2, 0, true, false, 380_000,
                        TWO_PLAYS * (0.9 * d(16 * MIN) + d(MIN)) + 2.0),
                item("song-c", null, a + 10 * MIN, a + 10 * MIN, ListenType.SKIP, 0, 1, false, false, 10_000, -0.95 * d(6 * MIN)),
                item("song-b", null, a + 5 * MIN, a + 5 * MIN, ListenType.PLAY, 1, 0, false, false, 60_000, 1.0 / 3 * d(11 * MIN))));
        // The out-of-order play of song-b merges into its item: first_time moves back, as_of stays.
        assertSnapshot(alice.get(5), 6, a + 16 * MIN, List.of(
                item("song-a", "artist-x", a, a + 16 * MIN, ListenType.LIKE, 2, 0, true, false, 380_000,
                        TWO_PLAYS * (0.9 * d(16 * MIN) + d(MIN)) + 2.0),
                item("song-c", null, a + 10 * MIN, a + 10 * MIN, ListenType.SKIP, 0, 1, false, false, 10_000, -0.95 * d(6 * MIN)),
                item("song-b", null, a + 2 * MIN, a + 5 * MIN, ListenType.PLAY, 2, 0, false, false, 240_000,
                        TWO_PLAYS * (1.0 / 3 * d(11 * MIN) + d(14 * MIN)))));
        UserSequence last = alice.get(6);
        assertSnapshot(last, 7, a + 20 * MIN, List.of(
                item("song-c", null, a + 10 * MIN, a + 20 * MIN, ListenType.COLLECT, 0, 1, false, true, 10_000,
                        -0.95 * d(10 * MIN) + 3.0),
                item("song-a", "artist-x", a, a + 16 * MIN, ListenType.LIKE, 2, 0, true, false, 380_000,
                        TWO_PLAYS * (0.9 * d(20 * MIN) + d(5 * MIN)) + 2.0 * d(4 * MIN)),
                item("song-b", null, a + 2 * MIN, a + 5 * MIN, ListenType.PLAY, 2, 0, false, false, 240_000,
                        TWO_PLAYS * (1.0 / 3 * d(15 * MIN) + d(18 * MIN)))));
        List<RecentEvent> expectedRecent = List.of(
                recent("song-c", ListenType.COLLECT, a + 20 * MIN, null),
                recent("song-a", ListenType.LIKE, a + 16 * MIN, null),
                recent("song-a", ListenType.PLAY, a + 15 * MIN, 1.0),
                recent("song-c", ListenType.SKIP, a + 10 * MIN, 0.05),
                recent("song-b", ListenType.PLAY, a + 5 * MIN, 1.0 / 3),
                recent("song-b", ListenType.PLAY, a + 2 * MIN, 1.0),
                recent("song-a", ListenType.PLAY, a, 0.9));
        assertEquals(expectedRecent.size(), last.getRecent().size());
        for (int i = 0; i < expectedRecent.size(); i++) {
            RecentEvent want = expectedRecent.get(i);
            RecentEvent got = last.getRecent().get(i);
            assertEquals(want.getSongId(), got.getSongId(), "recent[" + i + "]");
            assertEquals(want.getType(), got.getType(), "recent[" + i + "]");
            assertEquals(want.getEventTime(), got.getEventTime(), "recent[" + i + "]");
            if (want.getCompletion() == null) {
                assertNull(got.getCompletion(), "recent[" + i + "]");
            } else {
                assertEquals(want.getCompletion(), got.getCompletion(), 1e-12, "recent[" + i + "]");
            }
        }

        List<UserSequence> bob = byUser.get("bob");
        assertEquals(1, bob.size());
        assertSnapshot(bob.get(0), 1, T0 + 60 * MIN, List.of(
                item("song-a", null, T0 + 60 * MIN, T0 + 60 * MIN, ListenType.PLAY, 1, 0, false, false, 100_000, 0.5)));
        assertEquals(2, byUser.size());

        SingleObjectCodec<DeadLetter> letters = SingleObjectCodec.of(DeadLetter.class);
        List<ConsumerRecord<byte[], byte[]>> dlq = TestKafka.readAll(kafka, config.topics().dlq());
        assertEquals(2, dlq.size());
        Map<DeadLetterReason, DeadLetter> byReason = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            DeadLetter letter = letters.decode(r.value());
            byReason.put(letter.getReason(), letter);
            assertEquals("bob", new String(r.key(), StandardCharsets.UTF_8), "dead letters keep the original key");
        }
        assertDeadLetter(byReason.get(DeadLetterReason.INVALID_DURATION), in, sent.get(10), negative);
        assertDeadLetter(byReason.get(DeadLetterReason.UNDECODABLE), in, sent.get(11), garbage);

        List<ConsumerRecord<byte[], byte[]>> lateOut = TestKafka.readAll(kafka, config.topics().late());
        assertEquals(1, lateOut.size());
        assertArrayEquals(late, lateOut.get(0).value(), "late events keep their original bytes");
        assertEquals("alice", new String(lateOut.get(0).key(), StandardCharsets.UTF_8));

        JobCounters counters = InProcessMetrics.counters(job.getJobID());
        assertEquals(12, counters.recordsIn());
        assertEquals(8, counters.applied());
        assertEquals(1, counters.duplicates());
        assertEquals(1, counters.late());
        assertEquals(Map.of("INVALID_DURATION", 1L, "UNDECODABLE", 1L), counters.deadLetteredByReason());
        assertEquals(8, counters.snapshots());
        assertEquals(0, counters.unaccounted(), counters.toString());
    }

    private static SequenceItem item(String song, String artist, long first, long last, ListenType type, int plays,
                                     int skips, boolean liked, boolean collected, long listened, double weight) {
        return new SequenceItem(song, artist, Instant.ofEpochMilli(first), Instant.ofEpochMilli(last), type, plays,
                skips, liked, collected, listened, weight);
    }

    private static RecentEvent recent(String song, ListenType type, long time, Double completion) {
        return new RecentEvent(song, type, Instant.ofEpochMilli(time), completion);
    }

    private static void assertSnapshot(UserSequence actual, long version, long asOf, List<SequenceItem> items) {
        String where = actual.getUserId() + " v" + version;
        assertEquals(version, actual.getVersion(), where);
        assertEquals(Instant.ofEpochMilli(asOf), actual.getAsOf(), where);
        assertEquals(items.size(), actual.getItems().size(), where + " items");
        for (int i = 0; i < items.size(); i++) {
            SequenceItem want = items.get(i);
            SequenceItem got = actual.getItems().get(i);
            String at = where + " item " + i + " (" + want.getSongId() + ")";
            assertEquals(want.getSongId(), got.getSongId(), at);
            assertEquals(want.getArtistId(), got.getArtistId(), at);
            assertEquals(want.getFirstTime(), got.getFirstTime(), at);
            assertEquals(want.getLastTime(), got.getLastTime(), at);
            assertEquals(want.getLastType(), got.getLastType(), at);
            assertEquals(want.getPlays(), got.getPlays(), at);
            assertEquals(want.getSkips(), got.getSkips(), at);
            assertEquals(want.getLiked(), got.getLiked(), at);
            assertEquals(want.getCollected(), got.getCollected(), at);
            assertEquals(want.getListenedMs(), got.getListenedMs(), at);
            assertEquals(want.getWeight(), got.getWeight(), 1e-12 * Math.max(1, Math.abs(want.getWeight())), at);
        }
    }

    private static void assertDeadLetter(DeadLetter letter, String topic, RecordMetadata sent, byte[] original) {
        assertEquals(topic, letter.getSourceTopic());
        assertEquals(sent.partition(), letter.getSourcePartition());
        assertEquals(sent.offset(), letter.getSourceOffset());
        assertArrayEquals(original, TestKafka.bytes(letter.getValue()));
        assertArrayEquals("bob".getBytes(StandardCharsets.UTF_8), TestKafka.bytes(letter.getKey()));
    }
}
