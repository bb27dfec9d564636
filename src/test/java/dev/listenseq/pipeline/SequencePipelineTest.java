package dev.listenseq.pipeline;

import dev.listenseq.flink.Emission;
import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.kafka.LateRecord;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.kafka.TopicLimits;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole job graph (decode, key by user, sequences on RocksDB, the three outputs) on a
 * MiniCluster, fed from memory and collected in memory through the entry point every command uses:
 * no broker. What Kafka adds (offsets,
 * transactions, topics) is the integration tests' business; this one checks the graph in seconds.
 */
class SequencePipelineTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(smallManagedMemory())
            .build());

    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long MIN = 60_000;

    private final SingleObjectCodec<ListenEvent> events = SingleObjectCodec.of(ListenEvent.class);
    private final List<RawRecord> input = new ArrayList<>();

    private static Configuration smallManagedMemory() {
        Configuration configuration = new Configuration();
        configuration.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("128m"));
        return configuration;
    }

    private RawRecord send(String user, byte[] value) {
        RawRecord record = new RawRecord("in", 0, input.size(), T0 + 90 * MIN, user.getBytes(StandardCharsets.UTF_8), value);
        input.add(record);
        return record;
    }

    private byte[] play(String id, String user, String song, long time) {
        return events.encode(new ListenEvent(id, user, song, null, ListenType.PLAY, Instant.ofEpochMilli(time),
                90_000L, 180_000L, null, null, null));
    }

    @Test
    void theGraphTurnsRecordsIntoSnapshotsDeadLettersAndLateEvents() throws Exception {
        Path dir = Files.createTempDirectory("lsq-graph");
        JobConfig config = JobConfig.from(Settings.of(Map.of(
                "parallelism", "2",
                "emit.min-interval", "0ms",
                "state.local-dir", dir.resolve("rocksdb").toString(),
                "checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "savepoint.dir", dir.resolve("savepoints").toUri().toString())));
        send("alice", play("a1", "alice", "song-a", T0));
        send("alice", play("a2", "alice", "song-b", T0 + 5 * MIN));
        send("bob", play("b1", "bob", "song-a", T0 + 60 * MIN));
        send("alice", play("a2", "alice", "song-b", T0 + 5 * MIN));
        RawRecord late = send("alice", play("a0", "alice", "song-z", T0 - 100L * 24 * 60 * MIN));
        RawRecord garbage = send("bob", "{\"user\":\"bob\"}".getBytes(StandardCharsets.UTF_8));
        send("alice", play("a3", "alice", "song-a", T0 + 10 * MIN));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        CollectingSink<SnapshotRecord> snapshots = new CollectingSink<>();
        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>();
        CollectingSink<LateRecord> lateEvents = new CollectingSink<>();
        SequencePipeline.build(env, new InMemorySource<>(input, TypeInformation.of(RawRecord.class)),
                new SequencePipeline.Sinks(snapshots, deadLetters, lateEvents, null, TopicLimits.BROKER_DEFAULT),
                JobParts.sequence(config), Emission.THROTTLED_THEN_FLUSH);
        env.execute("graph-test");

        Map<String, List<Long>> versions = new TreeMap<>();
        Map<String, UserSequence> last = new TreeMap<>();
        for (SnapshotRecord r : snapshots.collected()) {
            UserSequence s = r.snapshot;
            versions.computeIfAbsent(s.getUserId(), u -> new ArrayList<>()).add(s.getVersion());
            last.put(s.getUserId(), s);
        }
        assertEquals(Map.of("alice", List.of(1L, 2L, 3L), "bob", List.of(1L)), versions,
                "a snapshot per applied event; the duplicate and the late event change nothing");
        assertEquals(List.of("song-a", "song-b"),
                last.get("alice").getItems().stream().map(i -> i.getSongId()).toList());
        assertEquals(2, last.get("alice").getItems().get(0).getPlays());

        List<DeadLetter> letters = deadLetters.collected();
        assertEquals(1, letters.size());
        assertEquals(DeadLetterReason.UNDECODABLE, letters.get(0).getReason());
        assertEquals(garbage.offset, letters.get(0).getSourceOffset());

        List<LateRecord> lateRecords = lateEvents.collected();
        assertEquals(1, lateRecords.size());
        assertEquals(LateRecord.Reason.HORIZON, lateRecords.get(0).reason);
        assertEquals(late.offset, lateRecords.get(0).record.offset);
        assertArrayEquals(late.value, lateRecords.get(0).record.value, "late events leave byte for byte");
    }
}
