package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.LateRecord;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.StateLimits;
import dev.listenseq.sequence.Weighting;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend.PriorityQueueStateType;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keyed function in Flink's operator harness: its state, timers and outputs, on both backends. */
class SequenceFunctionTest {

    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;
    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
    private long offset;

    /** RocksDB with the job's timers (on the heap, see FlinkSettings), RocksDB with timers in RocksDB, the heap. */
    static Stream<StateBackend> backends() {
        return Stream.of(rocksDb(PriorityQueueStateType.HEAP), rocksDb(PriorityQueueStateType.ROCKSDB),
                new HashMapStateBackend());
    }

    private static EmbeddedRocksDBStateBackend rocksDb(PriorityQueueStateType timers) {
        EmbeddedRocksDBStateBackend backend = new EmbeddedRocksDBStateBackend();
        backend.setPriorityQueueStateType(timers);
        return backend;
    }

    private KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> harness(
            StateBackend backend, long emitIntervalMs) throws Exception {
        return harness(backend, emitIntervalMs, false, Emission.THROTTLED);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> harness(
            StateBackend backend, long emitIntervalMs, boolean eventTime, Emission emission) throws Exception {
        SequenceFunction function = new SequenceFunction(
                new SequencePolicy(3, 90 * DAY, 5, 90 * DAY), Weighting.defaults(), emitIntervalMs, eventTime, emission);
        KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(function), r -> r.userId, Types.STRING);
        h.setStateBackend(backend);
        return h;
    }

    private KeyedRecord play(String id, String user, String song, long time) {
        ListenEvent e = new ListenEvent(id, user, song, null, ListenType.PLAY, Instant.ofEpochMilli(time), 90_000L, 180_000L, null, null, null);
        return new KeyedRecord(user, new RawRecord("in", 0, offset++, time, user.getBytes(StandardCharsets.UTF_8), codec.encode(e)));
    }

    private static List<Long> versions(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        return snapshots(h).stream().map(UserSequence::getVersion).collect(Collectors.toList());
    }

    /** The snapshots emitted so far, tombstones left out. */
    private static List<UserSequence> snapshots(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        return h.extractOutputValues().stream().filter(r -> !r.isTombstone()).map(r -> r.snapshot).collect(Collectors.toList());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void emitsTheFirstChangeAtOnceAndTheRestOfABurstByOneTimer(StateBackend backend) throws Exception {
        try (var h = harness(backend, 1000)) {
            h.open();
            h.setProcessingTime(10_000);
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            assertEquals(List.of(1L), versions(h), "leading edge: emitted at once");
            assertEquals(0, h.numProcessingTimeTimers());

            h.setProcessingTime(10_100);
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            h.setProcessingTime(10_200);
            h.processElement(new StreamRecord<>(play("e3", "u", "s3", T0 + 2)));
            assertEquals(List.of(1L), versions(h), "inside the interval nothing is emitted yet");
            assertEquals(1, h.numProcessingTimeTimers(), "one timer for the whole burst");

            h.setProcessingTime(11_000);
            assertEquals(List.of(1L, 3L), versions(h), "trailing edge: the burst in one snapshot");
            assertEquals(3, snapshots(h).get(1).getItems().size());

            h.setProcessingTime(13_000);
            h.processElement(new StreamRecord<>(play("e4", "u", "s1", T0 + 3)));
            assertEquals(List.of(1L, 3L, 4L), versions(h), "after a quiet interval: at once again");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void keepsOneStateEntryPerSongAndAppliesAnEventIdOnce(StateBackend backend) throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            h.processElement(new StreamRecord<>(play("e2", "u", "s1", T0 + 10)));
            assertEquals(1, entries(h, "items", new AvroTypeInfo<>(ItemState.class)), "a replay updates its song's entry");
            assertEquals(2, entries(h, "seen", Types.LONG));
            h.processElement(new StreamRecord<>(play("e3", "u", "s2", T0 + 20)));
            assertEquals(2, entries(h, "items", new AvroTypeInfo<>(ItemState.class)), "a new song adds one entry");
            h.processElement(new StreamRecord<>(play("e2", "u", "s1", T0 + 10)));
            assertEquals(List.of(1L, 2L, 3L), versions(h), "the repeated event id is not applied");
            assertEquals(3, entries(h, "seen", Types.LONG));
            UserSequence last = snapshots(h).get(2);
            assertEquals(2, last.getItems().get(1).getPlays(), "s1 was played twice");
        }
    }

    /** Entries of one of the function's MapStates for user "u", read through the operator's state backend. */
    private static <V> int entries(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                                   String name, TypeInformation<V> valueType) throws Exception {
        return entries(h, name, Types.STRING, valueType);
    }

    private static <K, V> int entries(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                                      String name, TypeInformation<K> keyType, TypeInformation<V> valueType) throws Exception {
        return entries(h, "u", name, keyType, valueType);
    }

    private static <K, V> int entries(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                                      String user, String name, TypeInformation<K> keyType, TypeInformation<V> valueType)
            throws Exception {
        KeyedStateBackend<String> state = h.getOperator().getKeyedStateBackend();
        state.setCurrentKey(user);
        MapState<K, V> map = state.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>(name, keyType, valueType));
        int n = 0;
        for (K ignored : map.keys()) {
            n++;
        }
        return n;
    }

    /**
     * The counts of u's states: items, seen ids (both generations), parked records (format 2's and
     * format 1's), and 1 if the user record exists.
     */
    private static List<Integer> stateOf(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                                         String user) throws Exception {
        return List.of(entries(h, user, "items", Types.STRING, new AvroTypeInfo<>(ItemState.class)),
                entries(h, user, "seen", Types.STRING, Types.LONG) + entries(h, user, "seen-b", Types.STRING, Types.LONG),
                entries(h, user, "pending-records", Types.TUPLE(Types.LONG, Types.LONG), TypeInformation.of(RawRecord.class))
                        + entries(h, user, "pending", Types.LONG, Types.LIST(TypeInformation.of(RawRecord.class))),
                StateFixtures.userState(h, user) == null ? 0 : 1);
    }

    private static KeyedRecord tombstone(String user) {
        return new KeyedRecord(user, new RawRecord("in", 0, 999, T0, user.getBytes(StandardCharsets.UTF_8), null));
    }

    /** A deletion request clears the four states and both kinds of timers of its user, and only of its user. */
    @ParameterizedTest
    @MethodSource("backends")
    void aTombstoneErasesEveryPieceOfTheUsersStateAndTimers(StateBackend backend) throws Exception {
        try (var h = harness(backend, 1000, true, Emission.THROTTLED)) {
            h.open();
            h.setProcessingTime(10_000);
            h.processWatermark(T0 - 1);
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            h.processElement(new StreamRecord<>(play("v1", "v", "s1", T0)));
            h.processWatermark(T0);
            h.setProcessingTime(10_100);
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 5)));
            h.processWatermark(T0 + 5);
            h.processElement(new StreamRecord<>(play("e3", "u", "s3", T0 + 100)));
            assertEquals(List.of(2, 2, 1, 1), stateOf(h, "u"), "items, seen, pending, user");
            assertEquals(1, h.numProcessingTimeTimers(), "u's trailing edge");
            assertEquals(1, h.numEventTimeTimers(), "u's parked event");
            List<Integer> otherUser = stateOf(h, "v");

            h.processElement(new StreamRecord<>(tombstone("u")));

            assertEquals(List.of(0, 0, 0, 0), stateOf(h, "u"));
            assertEquals(0, h.numProcessingTimeTimers());
            assertEquals(0, h.numEventTimeTimers());
            assertEquals(otherUser, stateOf(h, "v"), "the other user is untouched");
            SnapshotRecord last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
            assertTrue(last.isTombstone());
            assertEquals("u", last.userId);
            assertEquals(List.of(1L, 1L), versions(h), "u's and v's first snapshots; nothing after the tombstone");

            h.setProcessingTime(20_000);
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0 + 200)));
            h.processWatermark(T0 + 200);
            assertEquals(List.of(1L, 1L, 1L), versions(h), "a new sequence, at version 1; e1 is not a duplicate any more");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void sendsEventsBehindTheHorizonToTheLateOutputWithTheirOriginalBytes(StateBackend backend) throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            KeyedRecord old = play("e0", "u", "s0", T0 - 91 * DAY);
            h.processElement(new StreamRecord<>(old));
            assertEquals(List.of(1L), versions(h));
            List<RawRecord> late = h.getSideOutput(SequenceFunction.LATE).stream()
                    .map(r -> r.getValue().record).collect(Collectors.toList());
            assertEquals(1, late.size());
            assertEquals(LateRecord.Reason.HORIZON, h.getSideOutput(SequenceFunction.LATE).peek().getValue().reason);
            assertArrayEquals(old.record.value, late.get(0).value);
            assertEquals(old.record.offset, late.get(0).offset);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void stateAndPendingTimersSurviveASnapshotAndRestore(StateBackend backend) throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(backend, 1000)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            h.setProcessingTime(100);
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            assertEquals(1, h.numProcessingTimeTimers());
            snapshot = h.snapshot(1L, 100L);
        }
        try (var h = harness(backend, 1000)) {
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(1000);
            assertEquals(List.of(2L), versions(h), "the restored timer emits the pending change");
            h.setProcessingTime(5000);
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            h.processElement(new StreamRecord<>(play("e3", "u", "s1", T0 + 2)));
            List<UserSequence> out = snapshots(h);
            UserSequence last = out.get(out.size() - 1);
            assertEquals(3L, last.getVersion(), "versions continue; the restored dedup state caught e2");
            assertEquals(2, last.getItems().get(0).getPlays());
        }
    }

    /** Deployments from before timers moved to the heap restore with their pending timers, and back. */
    @ParameterizedTest
    @EnumSource(PriorityQueueStateType.class)
    void pendingTimersSurviveAChangeOfWhereRocksDbKeepsThem(PriorityQueueStateType before) throws Exception {
        PriorityQueueStateType after = before == PriorityQueueStateType.HEAP
                ? PriorityQueueStateType.ROCKSDB : PriorityQueueStateType.HEAP;
        OperatorSubtaskState snapshot;
        try (var h = harness(rocksDb(before), 1000)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            h.setProcessingTime(100);
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            h.processElement(new StreamRecord<>(play("e3", "v", "s1", T0)));
            h.setProcessingTime(200);
            h.processElement(new StreamRecord<>(play("e4", "v", "s3", T0 + 1)));
            assertEquals(2, h.numProcessingTimeTimers());
            // A canonical savepoint, what upgrades take (Flink's default savepoint format).
            snapshot = h.snapshotWithLocalState(1L, 200L, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                    .getJobManagerOwnedState();
        }
        try (var h = harness(rocksDb(after), 1000)) {
            h.initializeState(snapshot);
            h.open();
            assertEquals(2, h.numProcessingTimeTimers(), "both pending timers restored");
            h.setProcessingTime(1000);
            assertEquals(List.of(2L), versions(h), "u's timer fires at its time");
            h.setProcessingTime(1100);
            assertEquals(List.of(2L, 2L), versions(h), "then v's");
            assertEquals(0, h.numProcessingTimeTimers());
        }
    }

    /**
     * Restoring a checkpoint (not a canonical savepoint) taken with timers in RocksDB into a backend
     * that keeps them on the heap loses the pending timers. The user still gets its snapshots.
     */
    @Test
    void aUserWhoseTimerWasLostEmitsAtItsNextChange() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var h = harness(rocksDb(PriorityQueueStateType.ROCKSDB), 1000)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            h.setProcessingTime(100);
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            checkpoint = h.snapshot(1L, 100L);
        }
        try (var h = harness(rocksDb(PriorityQueueStateType.HEAP), 1000)) {
            h.initializeState(checkpoint);
            h.open();
            h.setProcessingTime(5000);
            h.processElement(new StreamRecord<>(play("e3", "u", "s3", T0 + 2)));
            List<Long> versions = versions(h);
            assertEquals(3L, versions.get(versions.size() - 1), "emitted at once, with the change the lost timer held");
            h.setProcessingTime(5500);
            h.processElement(new StreamRecord<>(play("e4", "u", "s1", T0 + 3)));
            assertEquals(1, h.numProcessingTimeTimers(), "throttled again: the next change waits for a new timer");
            h.setProcessingTime(6000);
            versions = versions(h);
            assertEquals(4L, versions.get(versions.size() - 1));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void evictsTheOldestSongBeyondMaxItems(StateBackend backend) throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            for (int i = 0; i < 5; i++) {
                h.processElement(new StreamRecord<>(play("e" + i, "u", "s" + i, T0 + i)));
            }
            UserSequence last = snapshots(h).get(4);
            assertEquals(List.of("s4", "s3", "s2"),
                    last.getItems().stream().map(i -> i.getSongId()).collect(Collectors.toList()));
            assertTrue(last.getRecent().size() == 5, "the raw tail still has every event");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void eventTimeOrderingAppliesEventsInEventTimeOrderOnceTheWatermarkPassesThem(StateBackend backend) throws Exception {
        try (var h = harness(backend, 0, true, Emission.THROTTLED)) {
            h.open();
            h.processWatermark(T0 - 1);
            h.processElement(new StreamRecord<>(play("e3", "u", "s3", T0 + 30)));
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0 + 10)));
            h.processElement(new StreamRecord<>(play("e2b", "u", "s2", T0 + 20)));
            h.processElement(new StreamRecord<>(play("e2a", "u", "s4", T0 + 20)));
            assertEquals(List.of(), versions(h), "nothing is applied before the watermark passes it");
            assertEquals(1, h.numEventTimeTimers(), "one release timer per user, at the earliest parked time");

            h.processWatermark(T0 + 20);
            assertEquals(List.of(1L, 3L), versions(h), "t+10 first, then both events at t+20 together");
            UserSequence atTwenty = snapshots(h).get(1);
            assertEquals(List.of("s2", "s4", "s1"),
                    atTwenty.getItems().stream().map(i -> i.getSongId()).collect(Collectors.toList()),
                    "the events up to the watermark, not the one at t+30 that arrived first");

            KeyedRecord behind = play("e0", "u", "s0", T0 + 15);
            h.processElement(new StreamRecord<>(behind));
            List<RawRecord> late = h.getSideOutput(SequenceFunction.LATE).stream()
                    .map(r -> r.getValue().record).collect(Collectors.toList());
            assertEquals(1, late.size(), "an event at or behind the watermark goes to the late output");
            assertEquals(LateRecord.Reason.WATERMARK, h.getSideOutput(SequenceFunction.LATE).peek().getValue().reason);
            assertArrayEquals(behind.record.value, late.get(0).value);

            h.processWatermark(Long.MAX_VALUE);
            assertEquals(List.of(1L, 3L, 4L), versions(h));
            assertEquals(0, entries(h, "pending-records", Types.TUPLE(Types.LONG, Types.LONG), TypeInformation.of(RawRecord.class)),
                    "released events leave the pending state");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void parkedEventsSurviveASnapshotAndAreReleasedAfterRestore(StateBackend backend) throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(backend, 0, true, Emission.THROTTLED)) {
            h.open();
            h.processWatermark(T0 - 1);
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 2)));
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0 + 1)));
            snapshot = h.snapshot(1L, 100L);
        }
        try (var h = harness(backend, 0, true, Emission.THROTTLED)) {
            h.initializeState(snapshot);
            h.open();
            h.processWatermark(T0 + 5);
            assertEquals(List.of(1L, 2L), versions(h));
            assertEquals(List.of("s2", "s1"), snapshots(h).get(1).getItems().stream()
                    .map(i -> i.getSongId()).collect(Collectors.toList()));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void theEndOfABoundedInputEmitsWhatWaitsForTheEmitInterval(StateBackend backend) throws Exception {
        for (boolean flush : new boolean[] {true, false}) {
            try (var h = harness(backend, 1000, false, flush ? Emission.THROTTLED_THEN_FLUSH : Emission.THROTTLED)) {
                h.open();
                h.setProcessingTime(0);
                h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
                h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
                assertEquals(List.of(1L), versions(h));
                h.processWatermark(Long.MAX_VALUE);
                assertEquals(flush ? List.of(1L, 2L) : List.of(1L), versions(h),
                        "flush at end of input: " + flush);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void atEndEmitsOneSnapshotPerChangedUserWhenTheInputEndsEqualToTheLastThrottledOne(StateBackend backend)
            throws Exception {
        List<KeyedRecord> input = List.of(play("e1", "u", "s1", T0), play("e2", "v", "s1", T0 + 1),
                play("e3", "u", "s2", T0 + 2), play("e2", "v", "s1", T0 + 1), play("e4", "u", "s1", T0 + 3));
        Map<String, UserSequence> throttled = new TreeMap<>();
        try (var h = harness(backend, 0, false, Emission.THROTTLED_THEN_FLUSH)) {
            h.open();
            for (KeyedRecord r : input) {
                h.processElement(new StreamRecord<>(r));
            }
            h.processWatermark(Long.MAX_VALUE);
            snapshots(h).forEach(s -> throttled.put(s.getUserId(), s));
        }
        try (var h = harness(backend, 0, false, Emission.AT_END)) {
            h.open();
            h.setProcessingTime(0);
            for (KeyedRecord r : input) {
                h.processElement(new StreamRecord<>(r));
                h.setProcessingTime(h.getProcessingTime() + 5_000);
            }
            assertEquals(List.of(), snapshots(h), "nothing before the end of input, however much time passes");
            h.processWatermark(Long.MAX_VALUE);
            List<UserSequence> atEnd = snapshots(h);
            assertEquals(2, atEnd.size(), "one snapshot per changed user: " + versions(h));
            for (UserSequence s : atEnd) {
                UserSequence last = throttled.get(s.getUserId());
                assertEquals(last.getVersion(), s.getVersion(), s.getUserId());
                assertEquals(last.getItems(), s.getItems(), s.getUserId());
                assertEquals(last.getRecent(), s.getRecent(), s.getUserId());
            }
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> harnessOfGeneration(
            long freshGeneration) throws Exception {
        SequenceFunction function = new SequenceFunction(new SequencePolicy(3, 90 * DAY, 5, 90 * DAY),
                StateLimits.defaults(), Weighting.defaults(), 0, false, Emission.THROTTLED, freshGeneration);
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(function),
                (KeyedRecord r) -> r.userId, Types.STRING);
        h.setStateBackend(new HashMapStateBackend());
        return h;
    }

    private static List<Long> generations(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        return snapshots(h).stream().map(UserSequence::getGeneration).collect(Collectors.toList());
    }

    /**
     * The lineage generation: a start without state takes the value the job was built with, a restore
     * keeps the restored one (whatever the new job was built with), and a savepoint from before the
     * generation existed restores as generation 0, so its users' versions go on in generation 0.
     */
    @Test
    void generationIsFixedAtAFreshStartAndKeptByEveryRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harnessOfGeneration(1_000)) {
            h.open();
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            assertEquals(List.of(1_000L), generations(h), "a fresh start: the generation it was built with");
            snapshot = h.snapshot(1L, 100L);
        }
        try (var h = harnessOfGeneration(2_000)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            assertEquals(List.of(1_000L), generations(h), "a restore keeps the restored generation");
            assertEquals(List.of(2L), versions(h));
        }
        OperatorSubtaskState withoutGeneration = OperatorSubtaskState.builder()
                .setManagedKeyedState(snapshot.getManagedKeyedState())
                .build();
        try (var h = harnessOfGeneration(3_000)) {
            h.initializeState(withoutGeneration);
            h.open();
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            assertEquals(List.of(0L), generations(h), "state from before the generation: generation 0");
            assertEquals(List.of(2L), versions(h));
        }
    }
}
