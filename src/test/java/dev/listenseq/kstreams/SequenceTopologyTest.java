package dev.listenseq.kstreams;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.sequence.MemoryStores;
import dev.listenseq.sequence.SequenceUpdater;
import dev.listenseq.sequence.SnapshotBuilder;
import dev.listenseq.avro.state.UserState;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka Streams baseline produces exactly the snapshots of the job's sequence logic, so the
 * benchmark compares like with like. Runs on RocksDB stores (its own rocksdbjni: see the pom).
 */
class SequenceTopologyTest {

    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;

    private final SingleObjectCodec<ListenEvent> events = SingleObjectCodec.of(ListenEvent.class);
    private final SingleObjectCodec<UserSequence> snapshots = SingleObjectCodec.of(UserSequence.class);
    private final SingleObjectCodec<DeadLetter> deadLetters = SingleObjectCodec.of(DeadLetter.class);

    @TempDir
    Path stateDir;

    private JobConfig config(String emitInterval) {
        return JobConfig.from(Settings.of(Map.of(
                "sequence.max-items", "5",
                "sequence.max-age", "10d",
                "sequence.recent-events", "4",
                "emit.min-interval", emitInterval)));
    }

    private TopologyTestDriver driver(JobConfig config, SequenceTopology.Counters counters) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "kstreams-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new TopologyTestDriver(SequenceTopology.build(config, counters), props, Instant.ofEpochMilli(T0 + DAY));
    }

    @Test
    void emitsTheSameSnapshotsAsTheSequenceLogicForEveryAppliedEvent() {
        JobConfig config = config("0ms");
        Random r = new Random(11);
        List<ListenEvent> input = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            if (i > 0 && r.nextInt(20) == 0) {
                input.add(ListenEvent.newBuilder(input.get(r.nextInt(input.size()))).build());
                continue;
            }
            String user = "u" + r.nextInt(4);
            ListenType type = ListenType.values()[r.nextInt(4)];
            boolean timed = type == ListenType.PLAY || type == ListenType.SKIP;
            // Mostly advancing, some out of order, some behind the 10-day horizon (late).
            long time = T0 - 20 * DAY + i * (DAY / 30) - (r.nextInt(10) == 0 ? r.nextInt(15) * DAY : 0);
            input.add(new ListenEvent("e" + i, user, "s" + r.nextInt(9),
                    r.nextBoolean() ? "a" : null, type, Instant.ofEpochMilli(time),
                    timed ? (long) r.nextInt(200_000) : null, timed && r.nextBoolean() ? 180_000L : null, null, null, null));
        }

        Map<String, List<UserSequence>> expected = new LinkedHashMap<>();
        Map<String, UserState> users = new HashMap<>();
        Map<String, MemoryStores.Items> items = new HashMap<>();
        Map<String, MemoryStores.Seen> seen = new HashMap<>();
        SequenceUpdater updater = new SequenceUpdater(config.policy(), config.weighting());
        SnapshotBuilder builder = new SnapshotBuilder(config.weighting());
        int late = 0;
        int duplicates = 0;
        for (ListenEvent e : input) {
            String u = e.getUserId();
            UserState user = users.computeIfAbsent(u, k -> SequenceUpdater.newUser());
            MemoryStores.Items its = items.computeIfAbsent(u, k -> new MemoryStores.Items());
            switch (updater.apply(user, its, seen.computeIfAbsent(u, k -> new MemoryStores.Seen()), ListenEvent.newBuilder(e).build())) {
                case LATE:
                    late++;
                    break;
                case DUPLICATE:
                    duplicates++;
                    break;
                default:
                    expected.computeIfAbsent(u, k -> new ArrayList<>()).add(builder.build(u, user, its.entries(), 0));
            }
        }
        assertTrue(late > 5 && duplicates > 5, "the input exercises late events and duplicates");

        SequenceTopology.Counters counters = new SequenceTopology.Counters();
        Map<String, List<UserSequence>> actual = new LinkedHashMap<>();
        try (TopologyTestDriver driver = driver(config, counters)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(config.topics().input(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            for (ListenEvent e : input) {
                in.pipeInput(e.getUserId().getBytes(StandardCharsets.UTF_8), events.encode(e));
            }
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic(config.topics().output(),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            for (var record : out.readRecordsToList()) {
                UserSequence s = snapshots.decode(record.value());
                assertEquals(s.getUserId(), new String(record.key(), StandardCharsets.UTF_8));
                s.setEmittedAt(Instant.ofEpochMilli(0));
                actual.computeIfAbsent(s.getUserId(), k -> new ArrayList<>()).add(s);
            }
            assertEquals(late, driver.createOutputTopic(config.topics().late(),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer()).getQueueSize());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals(expected, actual);
        assertEquals(input.size(), counters.recordsIn.sum());
        assertEquals(late, counters.late.sum());
        assertEquals(duplicates, counters.duplicates.sum());
    }

    @Test
    void throttlesPerUserWithALeadingAndATrailingEdge() throws Exception {
        SequenceTopology.Counters counters = new SequenceTopology.Counters();
        JobConfig config = config("1s");
        try (TopologyTestDriver driver = driver(config, counters)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(config.topics().input(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic(config.topics().output(),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            for (int i = 0; i < 3; i++) {
                in.pipeInput("u".getBytes(StandardCharsets.UTF_8), events.encode(new ListenEvent("e" + i, "u", "s" + i,
                        null, ListenType.PLAY, Instant.ofEpochMilli(T0 + i), 1000L, null, null, null, null)));
            }
            assertEquals(List.of(1L), versions(out), "leading edge: the first change at once");
            driver.advanceWallClockTime(Duration.ofMillis(1300));
            assertEquals(List.of(3L), versions(out), "trailing edge: the rest of the burst in one snapshot");
            driver.advanceWallClockTime(Duration.ofSeconds(5));
            assertEquals(List.of(), versions(out), "nothing pending, nothing emitted");
        }
        assertEquals(2, counters.snapshots.sum());
    }

    @Test
    void deadLettersBadInputWithItsReason() {
        SequenceTopology.Counters counters = new SequenceTopology.Counters();
        JobConfig config = config("0ms");
        try (TopologyTestDriver driver = driver(config, counters)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(config.topics().input(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            in.pipeInput("u".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
            in.pipeInput("u".getBytes(StandardCharsets.UTF_8), events.encode(new ListenEvent("e1", "u", "",
                    null, ListenType.LIKE, Instant.ofEpochMilli(T0), null, null, null, null, null)));
            List<DeadLetterReason> reasons = new ArrayList<>();
            for (byte[] value : driver.createOutputTopic(config.topics().dlq(),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer()).readValuesToList()) {
                reasons.add(deadLetters.decode(value).getReason());
            }
            assertEquals(List.of(DeadLetterReason.UNDECODABLE, DeadLetterReason.INVALID_ID), reasons);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals(2, counters.deadLettered.sum());
    }

    private List<Long> versions(TestOutputTopic<byte[], byte[]> out) throws Exception {
        List<Long> versions = new ArrayList<>();
        for (byte[] value : out.readValuesToList()) {
            versions.add(snapshots.decode(value).getVersion());
        }
        return versions;
    }
}
