package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.codec.StateCodec;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.Sizes;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.Weighting;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Savepoint fixtures of the sequence builder's keyed state, and the program that writes them.
 *
 * <p>A fixture is the sequence-builder operator's part of a canonical savepoint (the format upgrades
 * restore from), taken in Flink's operator harness after the {@link #BEFORE} steps of a scenario and
 * written with Flink's {@link OperatorSnapshotUtil} (the savepoint metadata serializer). Each scenario
 * leaves several users with items, seen event ids, a pending trailing-edge emission timer and, in
 * event-time ordering, records parked in {@code pending} with their timers.
 *
 * <p>Fixtures are named {@code v<state format>-<backend>-<ordering>.snapshot}. A build writes only its own
 * format; fixtures of older formats are kept as committed and must keep restoring
 * ({@code StateFixtureRestoreTest}). To (re)write the fixtures of the current format, from the
 * project directory:
 * <pre>
 *   mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -cp target/test-classes:target/classes:$(cat target/cp.txt) dev.listenseq.flink.StateFixtures src/test/resources/state-fixtures
 * </pre>
 * Version 1 was written by release 4daa365 (check it out with this class's first commit to rewrite it).
 */
public final class StateFixtures {

    static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    static final long EMIT_INTERVAL_MS = 1000;
    static final SequencePolicy POLICY = new SequencePolicy(3, 30L * 86_400_000, 4, 30L * 86_400_000);

    /** The backends a fixture is written on: RocksDB (timers on the heap, as the job sets it) and the heap. */
    enum Backend {
        ROCKSDB(() -> {
            EmbeddedRocksDBStateBackend b = new EmbeddedRocksDBStateBackend();
            b.setPriorityQueueStateType(EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
            return b;
        }),
        HASHMAP(HashMapStateBackend::new);

        final Supplier<StateBackend> create;

        Backend(Supplier<StateBackend> create) {
            this.create = create;
        }
    }

    /**
     * One input to the harness: the clock moved to a processing time, then a watermark, an event or a
     * checkpoint (the pre-barrier flush and a snapshot), or only the clock move.
     */
    record Step(long processingTime, Long watermark, KeyedRecord record, boolean checkpoint) {
        Step(long processingTime, Long watermark, KeyedRecord record) {
            this(processingTime, watermark, record, false);
        }
    }

    /** A scenario: how the job is configured, what happens before the savepoint and after it. */
    record Scenario(String name, boolean eventTime, List<Step> before, List<Step> after) {
    }

    private static final SingleObjectCodec<ListenEvent> CODEC = SingleObjectCodec.of(ListenEvent.class);

    private StateFixtures() {
    }

    static List<Scenario> scenarios() {
        return List.of(arrival(), eventTime());
    }

    /** Arrival ordering: the job's default. */
    private static Scenario arrival() {
        List<Step> before = new ArrayList<>();
        long offset = 0;
        before.add(event(10_000, "a1", "u1", "s1", "art1", ListenType.PLAY, T0, offset++));
        before.add(event(10_010, "a2", "u1", "s2", "art2", ListenType.SKIP, T0 + 60_000, offset++));
        before.add(event(10_020, "a3", "u2", "s1", "art1", ListenType.PLAY, T0 + 5_000, offset++));
        before.add(event(10_030, "a4", "u1", "s3", null, ListenType.LIKE, T0 + 120_000, offset++));
        before.add(event(10_040, "a5", "u1", "s4", "art4", ListenType.PLAY, T0 + 180_000, offset++));
        before.add(event(10_050, "a2", "u1", "s2", "art2", ListenType.SKIP, T0 + 60_000, offset++)); // duplicate
        before.add(event(10_060, "a6", "u3", "s9", "art9", ListenType.COLLECT, T0 + 1_000, offset++));
        before.add(event(11_500, "a7", "u2", "s2", "art2", ListenType.PLAY, T0 + 65_000, offset++));
        before.add(event(11_600, "a8", "u2", "s5", "art5", ListenType.PLAY, T0 + 70_000, offset++));
        // u1 and u2 now wait for their trailing-edge timers (both at 12,500).
        before.add(event(11_650, "a9", "u1", "s1", "art1", ListenType.PLAY, T0 + 240_000, offset++));

        List<Step> after = new ArrayList<>();
        after.add(event(11_700, "a2", "u1", "s2", "art2", ListenType.SKIP, T0 + 60_000, 100)); // duplicate across restore
        after.add(event(11_800, "a10", "u1", "s6", "art6", ListenType.PLAY, T0 + 300_000, 101));
        after.add(clock(12_000));
        after.add(event(12_100, "a6", "u3", "s9", "art9", ListenType.COLLECT, T0 + 1_000, 102)); // duplicate
        after.add(event(12_200, "a11", "u3", "s1", "art1", ListenType.PLAY, T0 + 2_000, 103));
        after.add(clock(13_000));
        after.add(event(15_000, "a12", "u2", "s5", "art5", ListenType.SKIP, T0 + 80_000, 104));
        after.add(event(15_100, "a13", "u4", "s1", "art1", ListenType.PLAY, T0, 105));
        after.add(clock(20_000));
        return new Scenario("arrival", false, before, after);
    }

    /** Event-time ordering: records wait in {@code pending} until the watermark passes them. */
    private static Scenario eventTime() {
        List<Step> before = new ArrayList<>();
        long offset = 0;
        before.add(watermark(10_000, T0 - 1));
        before.add(event(10_000, "b1", "u1", "s1", "art1", ListenType.PLAY, T0 + 10, offset++));
        before.add(event(10_010, "b2", "u1", "s2", "art2", ListenType.PLAY, T0 + 30, offset++));
        before.add(event(10_020, "b3", "u2", "s1", "art1", ListenType.SKIP, T0 + 20, offset++));
        before.add(event(10_030, "b4", "u1", "s3", null, ListenType.LIKE, T0 + 20, offset++));
        before.add(event(10_040, "b5", "u3", "s7", "art7", ListenType.PLAY, T0 + 25, offset++));
        before.add(watermark(10_050, T0 + 20)); // applies b1 (u1 emits at once), b3 (u2), b4 (u1: timer)
        before.add(event(10_060, "b6", "u1", "s4", "art4", ListenType.PLAY, T0 + 40, offset++));
        before.add(event(10_070, "b7", "u2", "s5", "art5", ListenType.PLAY, T0 + 40, offset++));
        before.add(event(10_080, "b8", "u2", "s6", "art6", ListenType.PLAY, T0 + 40, offset++));
        before.add(event(10_090, "b1", "u1", "s1", "art1", ListenType.PLAY, T0 + 10, offset++)); // late (behind the watermark)
        before.add(watermark(10_100, T0 + 26)); // applies b5 (u3 emits at once)
        // Now: u1 waits for its trailing timer; b2, b6, b7, b8 wait in pending.

        List<Step> after = new ArrayList<>();
        after.add(event(10_200, "b9", "u3", "s8", "art8", ListenType.COLLECT, T0 + 35, 100));
        after.add(event(10_300, "b5", "u3", "s7", "art7", ListenType.PLAY, T0 + 50, 101)); // duplicate id, parked
        after.add(watermark(10_400, T0 + 36));
        after.add(clock(11_000));
        after.add(watermark(11_100, T0 + 45));
        after.add(event(11_200, "b10", "u4", "s1", "art1", ListenType.PLAY, T0 + 60, 102));
        after.add(clock(12_500));
        after.add(watermark(12_600, Long.MAX_VALUE - 1));
        after.add(clock(20_000));
        return new Scenario("event-time", true, before, after);
    }

    private static Step event(long processingTime, String id, String user, String song, String artist,
                              ListenType type, long time, long offset) {
        boolean played = type == ListenType.PLAY || type == ListenType.SKIP;
        ListenEvent e = new ListenEvent(id, user, song, artist, type, Instant.ofEpochMilli(time),
                played ? (type == ListenType.PLAY ? 150_000L : 20_000L) : null, played ? 180_000L : null, null, null, null);
        RawRecord raw = new RawRecord("listen-events", 0, offset, T0 + offset,
                user.getBytes(StandardCharsets.UTF_8), CODEC.encode(e));
        return new Step(processingTime, null, new KeyedRecord(user, raw));
    }

    private static Step watermark(long processingTime, long watermark) {
        return new Step(processingTime, watermark, null);
    }

    private static Step clock(long processingTime) {
        return new Step(processingTime, null, null);
    }

    /** The job's operator with its default state cache: fixtures restore the way the job restores them. */
    private static final StateCache CACHE = new StateCache(Integer.parseInt(ConfigKeys.STATE_CACHE_USERS.defaultValue()),
            Sizes.parse(ConfigKeys.STATE_CACHE_MEMORY.defaultValue()));

    static KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> harness(
            Scenario scenario, Backend backend) throws Exception {
        SequenceFunction function = new SequenceFunction(POLICY, Weighting.defaults(), EMIT_INTERVAL_MS,
                scenario.eventTime(), Emission.THROTTLED);
        KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new SequenceOperator(function, CACHE), r -> r.userId, Types.STRING);
        h.setStateBackend(backend.create.get());
        return h;
    }

    /** The snapshots a harness emitted, tombstones left out. */
    static List<UserSequence> snapshots(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        return h.extractOutputValues().stream().filter(r -> !r.isTombstone()).map(r -> r.snapshot).toList();
    }

    /** A user's record as the keyed state backend holds it (null: none). */
    static UserState userState(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                               String user) throws Exception {
        KeyedStateBackend<String> backend = h.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(user);
        return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new ValueStateDescriptor<>("user", new UserStateSerializer())).value();
    }

    /** Feeds the steps to the harness in order; checkpoints are numbered from 1 in each call. */
    static void run(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h, List<Step> steps)
            throws Exception {
        long checkpoint = 0;
        for (Step step : steps) {
            if (step.processingTime() > h.getProcessingTime()) {
                h.setProcessingTime(step.processingTime());
            }
            if (step.watermark() != null) {
                h.processWatermark(step.watermark());
            }
            if (step.record() != null) {
                h.processElement(new StreamRecord<>(step.record()));
            }
            if (step.checkpoint()) {
                checkpoint++;
                h.prepareSnapshotPreBarrier(checkpoint);
                h.snapshot(checkpoint, h.getProcessingTime());
            }
        }
    }

    /** The state after the scenario's first part, as a canonical savepoint would hold it. */
    static OperatorSubtaskState savepointAfterBefore(Scenario scenario, Backend backend) throws Exception {
        try (var h = harness(scenario, backend)) {
            h.open();
            run(h, scenario.before());
            return h.snapshotWithLocalState(1L, h.getProcessingTime(),
                    SavepointType.savepoint(SavepointFormatType.CANONICAL)).getJobManagerOwnedState();
        }
    }

    static String fileName(int formatVersion, Backend backend, Scenario scenario) {
        return "v" + formatVersion + "-" + backend.name().toLowerCase() + "-" + scenario.name() + ".snapshot";
    }

    /** Writes this build's fixtures into the directory given as the only argument. */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: StateFixtures <directory>   (e.g. src/test/resources/state-fixtures)");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Scenario scenario : scenarios()) {
            for (Backend backend : Backend.values()) {
                File file = dir.resolve(fileName(StateCodec.FORMAT_VERSION, backend, scenario)).toFile();
                OperatorSnapshotUtil.writeStateHandle(savepointAfterBefore(scenario, backend), file.getPath());
                System.out.println("wrote " + file + " (" + file.length() + " bytes)");
            }
        }
    }
}
