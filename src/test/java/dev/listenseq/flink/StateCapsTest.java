package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.LateRecord;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.StateLimits;
import dev.listenseq.sequence.Weighting;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each per-user cap of the keyed state (docs/state.md), in the operator harness, on both backends. */
class StateCapsTest {

    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;
    private static final SequencePolicy POLICY = new SequencePolicy(50, 90 * DAY, 20, 90 * DAY);
    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
    private long offset;

    private KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> harness(
            StateFixtures.Backend backend, SequencePolicy policy, StateLimits limits, long emitIntervalMs, boolean eventTime)
            throws Exception {
        SequenceFunction function = new SequenceFunction(policy, limits, Weighting.defaults(), emitIntervalMs, eventTime, Emission.THROTTLED);
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(function),
                (KeyedRecord r) -> r.userId, Types.STRING);
        h.setStateBackend(backend.create.get());
        return h;
    }

    private StreamRecord<KeyedRecord> play(String id, String user, String song, long time, long recordTime) {
        ListenEvent e = new ListenEvent(id, user, song, null, ListenType.PLAY, Instant.ofEpochMilli(time), 90_000L, 180_000L, null, null, null);
        return new StreamRecord<>(new KeyedRecord(user, new RawRecord("in", 0, offset++, recordTime,
                user.getBytes(StandardCharsets.UTF_8), codec.encode(e))));
    }

    @ParameterizedTest
    @EnumSource(StateFixtures.Backend.class)
    void seenIdsStayWithinTheirCountAndTheNewestHalfAreAlwaysCaught(StateFixtures.Backend backend) throws Exception {
        try (var h = harness(backend, POLICY, new StateLimits(10, 1000, 0), 0, false)) {
            h.open();
            for (int i = 0; i < 1000; i++) {
                h.processElement(play("e" + i, "u", "s" + (i % 30), T0 + i, T0 + i));
                int ids = entries(h, "seen") + entries(h, "seen-b");
                assertTrue(ids <= 10, "after " + (i + 1) + " events the user keeps " + ids + " ids");
            }
            long version = lastVersion(h);
            assertEquals(1000, version);
            for (int i = 995; i < 1000; i++) {
                h.processElement(play("e" + i, "u", "s" + (i % 30), T0 + i, T0 + 2000));
            }
            assertEquals(version, lastVersion(h), "the newest 5 ids (half the cap) are duplicates");
        }
    }

    @ParameterizedTest
    @EnumSource(StateFixtures.Backend.class)
    void theEventTimeBufferIsCappedAndWhatDoesNotFitIsLateWithItsReason(StateFixtures.Backend backend) throws Exception {
        try (var h = harness(backend, POLICY, new StateLimits(100, 5, 0), 0, true)) {
            h.open();
            h.processWatermark(T0);
            for (int i = 1; i <= 8; i++) {
                h.processElement(play("e" + i, "u", "s" + i, T0 + 100 - i, T0 + i));
            }
            List<LateRecord> late = h.getSideOutput(SequenceFunction.LATE).stream()
                    .map(StreamRecord::getValue).collect(Collectors.toList());
            assertEquals(List.of(5L, 6L, 7L), late.stream().map(l -> l.record.offset).collect(Collectors.toList()),
                    "the records that arrive when five are parked go to the late output");
            assertTrue(late.stream().allMatch(l -> l.reason == LateRecord.Reason.PENDING_FULL));
            assertEquals(5, entries(h, "pending-records", Types.TUPLE(Types.LONG, Types.LONG), TypeInformation.of(RawRecord.class)));
            assertEquals(1, h.numEventTimeTimers(), "one release timer, however many are parked");
            h.processWatermark(T0 + 200);
            assertEquals(5, lastVersion(h), "the five parked records are applied");
            assertEquals(0, h.numEventTimeTimers());
        }
    }

    /** A bot: 20,000 events in a day, far apart in event time; the timers stay a small constant. */
    @ParameterizedTest
    @EnumSource(StateFixtures.Backend.class)
    void aHotUserKeepsASmallConstantNumberOfTimers(StateFixtures.Backend backend) throws Exception {
        try (var h = harness(backend, POLICY, new StateLimits(1000, 100, 30 * DAY), 1000, true)) {
            h.open();
            h.setProcessingTime(0);
            h.processWatermark(T0);
            int maxEventTimers = 0;
            int maxProcessingTimers = 0;
            for (int i = 0; i < 20_000; i++) {
                h.setProcessingTime(i * 4L);
                h.processElement(play("bot" + i, "bot", "s" + (i % 500), T0 + 1 + (i * 4L), T0 + i * 4L));
                if (i % 50 == 49) {
                    h.processWatermark(T0 + i * 4L - 100);
                }
                maxEventTimers = Math.max(maxEventTimers, h.numEventTimeTimers());
                maxProcessingTimers = Math.max(maxProcessingTimers, h.numProcessingTimeTimers());
            }
            assertTrue(maxEventTimers <= 1, "event-time timers: " + maxEventTimers);
            assertTrue(maxProcessingTimers <= 2, "processing-time timers (emission, expiry): " + maxProcessingTimers);
            assertTrue(entries(h, "seen") + entries(h, "seen-b") <= 1000);
            assertTrue(entries(h, "pending-records", Types.TUPLE(Types.LONG, Types.LONG), TypeInformation.of(RawRecord.class)) <= 100);
            assertTrue(lastVersion(h) > 19_000, "the bot's events are applied: " + lastVersion(h));
        }
    }

    @ParameterizedTest
    @EnumSource(StateFixtures.Backend.class)
    void anInactiveUserStartsAgainAtItsNextEventDecidedByRecordTimestamps(StateFixtures.Backend backend) throws Exception {
        try (var h = harness(backend, POLICY, new StateLimits(100, 100, 7 * DAY), 0, false)) {
            h.open();
            h.setProcessingTime(T0 + 1_000_000 * DAY); // the wall clock is irrelevant: only record timestamps decide
            h.processElement(play("e1", "u", "s1", T0, T0));
            h.processElement(play("e2", "u", "s2", T0 + DAY, T0 + 6 * DAY));
            assertEquals(2, lastVersion(h), "six days without events: the same sequence");
            h.processElement(play("e3", "u", "s3", T0 + 2 * DAY, T0 + 13 * DAY));
            UserSequence last = StateFixtures.snapshots(h).get(StateFixtures.snapshots(h).size() - 1);
            assertEquals(1, last.getVersion(), "seven days without events: a new sequence");
            assertEquals(List.of("s3"), last.getItems().stream().map(i -> i.getSongId()).collect(Collectors.toList()));
            h.processElement(play("e1", "u", "s1", T0, T0 + 13 * DAY));
            assertEquals(2, lastVersion(h), "the expired user's seen ids went with it");
        }
    }

    @ParameterizedTest
    @EnumSource(StateFixtures.Backend.class)
    void theCleanupTimerClearsAUserOnlyOnceTheInputHasMovedOn(StateFixtures.Backend backend) throws Exception {
        try (var h = harness(backend, POLICY, new StateLimits(100, 100, 7 * DAY), 0, false)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(play("e1", "u", "s1", T0, T0));
            assertEquals(1, h.numProcessingTimeTimers(), "one cleanup timer");
            h.setProcessingTime(T0 + 30 * DAY);
            assertNotNull(user(h, "u"), "due by the clock, but this subtask has read nothing newer: kept");
            assertEquals(1, h.numProcessingTimeTimers(), "and looked at again later");
            h.processElement(play("x1", "other", "s1", T0 + 20 * DAY, T0 + 20 * DAY));
            h.setProcessingTime(T0 + 40 * DAY);
            assertNull(user(h, "u"), "the input is past u's inactivity period: u's state is gone");
            assertEquals(0, entries(h, "items"));
            assertEquals(0, entries(h, "seen") + entries(h, "seen-b"));
            assertNotNull(user(h, "other"));
        }
    }

    @ParameterizedTest
    @EnumSource(StateFixtures.Backend.class)
    void loweringRecentEventsBetweenRunsTrimsTheTails(StateFixtures.Backend backend) throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(backend, POLICY, StateLimits.defaults(), 1000, false)) {
            h.open();
            h.setProcessingTime(0);
            for (int i = 0; i < 10; i++) {
                h.processElement(play("e" + i, "u", "s" + i, T0 + i, T0 + i));
                h.processElement(play("f" + i, "v", "s" + i, T0 + i, T0 + i));
            }
            snapshot = h.snapshot(1, 0);
        }
        SequencePolicy shorter = new SequencePolicy(50, 90 * DAY, 3, 90 * DAY);
        try (var h = harness(backend, shorter, StateLimits.defaults(), 1000, false)) {
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(500);
            h.processElement(play("e10", "u", "s10", T0 + 10, T0 + 10));
            h.setProcessingTime(1000); // v's pending trailing timer: an emission without a new event
            for (UserSequence s : StateFixtures.snapshots(h)) {
                assertEquals(3, s.getRecent().size(), s.getUserId() + " v" + s.getVersion());
            }
            assertEquals(2, StateFixtures.snapshots(h).size());
        }
    }

    private static long lastVersion(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        List<UserSequence> out = StateFixtures.snapshots(h);
        return out.get(out.size() - 1).getVersion();
    }

    private static int entries(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h, String name)
            throws Exception {
        return entries(h, name, Types.STRING, Types.LONG);
    }

    private static <K, V> int entries(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                                      String name, TypeInformation<K> keyType, TypeInformation<V> valueType) throws Exception {
        KeyedStateBackend<String> state = h.getOperator().getKeyedStateBackend();
        state.setCurrentKey("u");
        MapState<K, V> map = state.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>(name, keyType, valueType));
        int n = 0;
        for (K ignored : map.keys()) {
            n++;
        }
        return n;
    }

    private static UserState user(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h, String key)
            throws Exception {
        KeyedStateBackend<String> state = h.getOperator().getKeyedStateBackend();
        state.setCurrentKey(key);
        ValueState<UserState> user = state.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new ValueStateDescriptor<>("user", new UserStateSerializer()));
        return user.value();
    }
}
