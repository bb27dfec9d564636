package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.flink.StateFixtures.Step;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.StateLimits;
import dev.listenseq.sequence.Weighting;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend.PriorityQueueStateType;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write-behind state cache ({@link CachedUserStore} under {@link SequenceOperator}) in the operator
 * harness on RocksDB: with any cache size the job emits exactly what it emits without one and leaves
 * the same keyed state after a flush; a checkpoint taken after the pre-barrier flush restores into a
 * fresh operator; an erased or expired user is never written back.
 */
class StateCacheTest {

    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final List<String> USERS = List.of("u0", "u1", "u2", "u3", "u4", "u5");
    /** Small caps, so that random streams evict songs and rotate seen-id generations often. */
    private static final SequencePolicy POLICY = new SequencePolicy(4, 20 * DAY, 3, 20 * DAY);
    private static final StateLimits LIMITS = new StateLimits(6, 50, 2 * DAY);
    private static final long EMIT_INTERVAL_MS = 1000;
    /** A byte budget that holds two or three of the random streams' users (each a few KB by the estimate). */
    private static final long BUDGET_OF_A_FEW = 8_000;
    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);

    /** RocksDB with the job's timers (on the heap) and with timers in RocksDB. */
    static Stream<StateBackend> rocksDb() {
        return Stream.of(rocksDb(PriorityQueueStateType.HEAP), rocksDb(PriorityQueueStateType.ROCKSDB));
    }

    private static EmbeddedRocksDBStateBackend rocksDb(PriorityQueueStateType timers) {
        EmbeddedRocksDBStateBackend backend = new EmbeddedRocksDBStateBackend();
        backend.setPriorityQueueStateType(timers);
        return backend;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> harness(
            StateBackend backend, StateCache cache, boolean eventTime, StateLimits limits) throws Exception {
        SequenceFunction function = new SequenceFunction(POLICY, limits, Weighting.defaults(), EMIT_INTERVAL_MS,
                eventTime, Emission.THROTTLED, 7L);
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new SequenceOperator(function, cache),
                (KeyedRecord r) -> r.userId, Types.STRING);
        h.setStateBackend(backend);
        return h;
    }

    private KeyedRecord event(String id, String user, String song, ListenType type, long time, long recordTime,
                              long offset) {
        boolean timed = type == ListenType.PLAY || type == ListenType.SKIP;
        ListenEvent e = ListenEvent.newBuilder()
                .setEventId(id).setUserId(user).setSongId(song).setArtistId("a-" + song).setType(type)
                .setEventTime(Instant.ofEpochMilli(time))
                .setPlayedMs(timed ? 30_000L : null).setDurationMs(timed ? 180_000L : null)
                .build();
        return new KeyedRecord(user, new RawRecord("in", 0, offset, recordTime, user.getBytes(StandardCharsets.UTF_8),
                codec.encode(e)));
    }

    private static KeyedRecord tombstone(String user, long recordTime, long offset) {
        return new KeyedRecord(user, new RawRecord("in", 0, offset, recordTime, user.getBytes(StandardCharsets.UTF_8), null));
    }

    /**
     * A random stream over six users, two of them hot: replays of few songs (evictions at max-items 4),
     * repeated event ids, events out of order and behind the horizon, erasures, users quiet for longer
     * than state.expire-after, checkpoints, and in event-time ordering watermarks. Checkpoints come at
     * about 1 step in 100: each is a RocksDB snapshot, by far the dearest step of a run.
     */
    private List<Step> randomSteps(long seed, boolean eventTime) {
        Random r = new Random(seed);
        List<Step> steps = new ArrayList<>();
        List<KeyedRecord> sent = new ArrayList<>();
        long clock = 10_000;
        long time = T0;
        long offset = 0;
        ListenType[] types = {ListenType.PLAY, ListenType.PLAY, ListenType.SKIP, ListenType.LIKE, ListenType.COLLECT};
        for (int i = 0; i < 400; i++) {
            clock += r.nextInt(700);
            double roll = r.nextDouble();
            if (roll < 0.01) {
                steps.add(new Step(clock, null, null, true));
            } else if (roll < 0.03) {
                steps.add(new Step(clock, null, tombstone(USERS.get(r.nextInt(USERS.size())), time, offset++), false));
            } else if (roll < 0.08 && !sent.isEmpty()) {
                KeyedRecord again = sent.get(r.nextInt(sent.size()));
                steps.add(new Step(clock, null, new KeyedRecord(again.userId, new RawRecord("in", 0, offset++,
                        again.record.timestamp, again.record.key, again.record.value)), false));
            } else {
                String user = USERS.get(r.nextBoolean() ? r.nextInt(2) : r.nextInt(USERS.size()));
                time += r.nextInt((int) (2 * HOUR));
                long at = roll < 0.11 ? time - 30 * DAY : time - r.nextInt((int) HOUR);
                KeyedRecord record = event("e" + i, user, "s" + r.nextInt(8), types[r.nextInt(types.length)], at, time, offset++);
                sent.add(record);
                steps.add(new Step(clock, null, record, false));
            }
            if (eventTime && r.nextDouble() < 0.1) {
                steps.add(new Step(clock, time - 2 * HOUR, null, false));
            }
        }
        if (eventTime) {
            steps.add(new Step(clock, Long.MAX_VALUE, null, false));
        }
        steps.add(new Step(clock + 10 * EMIT_INTERVAL_MS, null, null, false));
        return steps;
    }

    /** Everything the operator sent: snapshots (in full), tombstones and late records, in order. */
    private static List<String> outputs(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        List<String> out = snapshots(h);
        out.addAll(late(h));
        return out;
    }

    private static List<String> snapshots(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        List<String> out = new ArrayList<>();
        for (SnapshotRecord r : h.extractOutputValues()) {
            out.add(r.isTombstone() ? "tombstone " + r.userId + " at " + r.timestamp : r.snapshot.toString());
        }
        return out;
    }

    private static List<String> late(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        List<String> out = new ArrayList<>();
        var late = h.getSideOutput(SequenceFunction.LATE);
        if (late != null) {
            late.forEach(l -> out.add("late " + l.getValue()));
        }
        return out;
    }

    /** Every user's record, items and seen ids as the keyed state backend holds them. */
    private static Map<String, String> keyedState(
            KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) throws Exception {
        Map<String, String> state = new TreeMap<>();
        for (String user : USERS) {
            UserState record = StateFixtures.userState(h, user);
            state.put(user, (record == null ? "no record" : record.toString()) + " items " + items(h, user)
                    + " seen " + seen(h, user, "seen") + " seen-b " + seen(h, user, "seen-b"));
        }
        return state;
    }

    private static Map<String, String> items(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                                             String user) throws Exception {
        return map(h, user, new MapStateDescriptor<>("items", StringSerializer.INSTANCE, new ItemStateSerializer()));
    }

    private static Map<String, String> seen(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                                            String user, String generation) throws Exception {
        return map(h, user, new MapStateDescriptor<>(generation, Types.STRING, Types.LONG));
    }

    private static <V> Map<String, String> map(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h,
                                               String user, MapStateDescriptor<String, V> descriptor) throws Exception {
        KeyedStateBackend<String> backend = h.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(user);
        MapState<String, V> map = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                descriptor);
        Map<String, String> entries = new TreeMap<>();
        for (Map.Entry<String, V> e : map.entries()) {
            entries.put(e.getKey(), String.valueOf(e.getValue()));
        }
        return entries;
    }

    /** Runs the steps, flushes, and returns the outputs and the keyed state. */
    private List<Object> outcome(StateBackend backend, StateCache cache, boolean eventTime, List<Step> steps)
            throws Exception {
        try (var h = harness(backend, cache, eventTime, LIMITS)) {
            h.open();
            StateFixtures.run(h, steps);
            h.prepareSnapshotPreBarrier(Long.MAX_VALUE);
            return List.of(outputs(h), keyedState(h));
        }
    }

    static Stream<Object[]> randomRuns() {
        List<Object[]> runs = new ArrayList<>();
        for (boolean eventTime : new boolean[] {false, true}) {
            for (long seed = 1; seed <= 3; seed++) {
                runs.add(new Object[] {seed, eventTime});
            }
        }
        return runs.stream();
    }

    /**
     * Property: over random streams, a cache of 1 user (every other user's record evicts the last), of
     * 3 (some stay) and of all users emit exactly what the job emits without a cache, and leave the
     * same keyed state once flushed.
     */
    @ParameterizedTest(name = "seed {0}, event time {1}")
    @MethodSource("randomRuns")
    void anyCacheSizeGivesExactlyTheOutputAndStateOfNoCache(long seed, boolean eventTime) throws Exception {
        List<Step> steps = randomSteps(seed, eventTime);
        assertTrue(steps.stream().filter(Step::checkpoint).count() >= 2, "the stream flushes the cache mid-run");
        // Timers due at the same time fire in a different order with timers in RocksDB: compare per kind.
        for (PriorityQueueStateType timers : PriorityQueueStateType.values()) {
            List<Object> uncached = outcome(rocksDb(timers), StateCache.OFF, eventTime, steps);
            for (StateCache cache : List.of(users(1), users(3), users(100), new StateCache(100, BUDGET_OF_A_FEW))) {
                assertEquals(uncached, outcome(rocksDb(timers), cache, eventTime, steps),
                        "cache " + cache + ", timers " + timers);
            }
        }
    }

    private static StateCache users(int users) {
        return new StateCache(users, Long.MAX_VALUE);
    }

    /**
     * state.cache-memory bounds the cache before state.cache-users does: users leave as the estimate of
     * what the cache holds passes the budget, never by more than the selected user's growth, and the
     * ones that left are read back from RocksDB as they were.
     */
    @Test
    void theMemoryBudgetBoundsTheUsersHeld() throws Exception {
        long budget = 20_000;
        try (var h = harness(rocksDb(PriorityQueueStateType.HEAP), new StateCache(1000, budget), false, LIMITS)) {
            h.open();
            CachedUserStore cache = ((SequenceFunction) ((SequenceOperator) h.getOperator()).getUserFunction()).stateCache();
            long offset = 0;
            int largest = 0;
            for (int round = 0; round < 3; round++) {
                for (int u = 0; u < 50; u++) {
                    String user = "user-" + u;
                    for (int song = 0; song < 4; song++) {
                        long time = T0 + round * HOUR + song * 1000;
                        h.processElement(new StreamRecord<>(event(user + "-" + round + "-" + song, user, "s" + song,
                                ListenType.PLAY, time, time, offset++)));
                    }
                    largest = Math.max(largest, cache.size());
                    assertTrue(cache.heldBytes() <= budget + CachedUserStore.estimate(null, 4, 2 * 12) + 3 * CachedUserStore.RECENT_BYTES
                                    + 4 * CachedUserStore.QUEUED_BYTES,
                            "held " + cache.heldBytes() + " bytes over a budget of " + budget);
                }
            }
            assertTrue(largest > 1 && largest < 50, "the budget holds some users, not all 50: " + largest);
            h.prepareSnapshotPreBarrier(1);
            for (int u = 0; u < 50; u++) {
                assertEquals(12L, StateFixtures.userState(h, "user-" + u).getVersion(), "user-" + u);
            }
        }
    }

    /** Writes wait for the flush: the cache is really in use (and is not on the heap backend, which needs none). */
    @Test
    void writesReachRocksDbAtTheFlushAndHeapStateAtOnce() throws Exception {
        try (var h = harness(rocksDb(PriorityQueueStateType.HEAP), users(10), false, LIMITS)) {
            h.open();
            h.processElement(new StreamRecord<>(event("e1", "u0", "s1", ListenType.PLAY, T0, T0, 0)));
            assertNull(StateFixtures.userState(h, "u0"), "held in memory until the flush");
            h.prepareSnapshotPreBarrier(1);
            assertEquals(1L, StateFixtures.userState(h, "u0").getVersion());
        }
        try (var h = harness(new HashMapStateBackend(), users(10), false, LIMITS)) {
            h.open();
            h.processElement(new StreamRecord<>(event("e1", "u0", "s1", ListenType.PLAY, T0, T0, 0)));
            assertNotNull(StateFixtures.userState(h, "u0"));
        }
    }

    /**
     * A checkpoint taken after the pre-barrier flush holds the cached users: restored into a fresh
     * operator (with or without a cache), the job continues exactly as an uninterrupted run does.
     */
    @ParameterizedTest(name = "event time {0}")
    @MethodSource("eventTimeModes")
    void aCheckpointAfterTheFlushRestoresIntoAFreshOperator(boolean eventTime) throws Exception {
        List<Step> steps = randomSteps(11, eventTime);
        int half = steps.size() / 2;
        List<Step> before = steps.subList(0, half);
        List<Step> after = new ArrayList<>();
        // Watermarks are not part of a checkpoint: the restored run starts from the last one, as a source would.
        before.stream().filter(s -> s.watermark() != null).reduce((a, b) -> b)
                .ifPresent(w -> after.add(new Step(w.processingTime(), w.watermark(), null, false)));
        after.addAll(steps.subList(half, steps.size()));

        List<String> expectedSnapshots;
        List<String> expectedLate;
        try (var h = harness(rocksDb(PriorityQueueStateType.HEAP), users(100), eventTime, LIMITS)) {
            h.open();
            StateFixtures.run(h, before);
            int snapshotsBefore = snapshots(h).size();
            int lateBefore = late(h).size();
            StateFixtures.run(h, after);
            expectedSnapshots = snapshots(h).subList(snapshotsBefore, snapshots(h).size());
            expectedLate = late(h).subList(lateBefore, late(h).size());
        }
        assertFalse(expectedSnapshots.isEmpty(), "the second half emits");

        OperatorSubtaskState checkpoint;
        long clock;
        try (var h = harness(rocksDb(PriorityQueueStateType.HEAP), users(100), eventTime, LIMITS)) {
            h.open();
            StateFixtures.run(h, before);
            clock = h.getProcessingTime();
            h.prepareSnapshotPreBarrier(1);
            checkpoint = h.snapshot(1, clock);
        }
        for (StateCache cache : List.of(StateCache.OFF, users(100))) {
            try (var h = harness(rocksDb(PriorityQueueStateType.HEAP), cache, eventTime, LIMITS)) {
                h.setProcessingTime(clock);
                h.initializeState(checkpoint);
                h.open();
                StateFixtures.run(h, after);
                assertEquals(expectedSnapshots, snapshots(h), "restored with cache " + cache);
                assertEquals(expectedLate, late(h), "late records, restored with cache " + cache);
            }
        }
    }

    static Stream<Boolean> eventTimeModes() {
        return Stream.of(false, true);
    }

    /** An erased user's cached changes are dropped: neither the flush nor an eviction writes them back. */
    @ParameterizedTest
    @MethodSource("rocksDb")
    void anErasedUserIsNotWrittenBack(StateBackend backend) throws Exception {
        try (var h = harness(backend, users(1), false, LIMITS)) {
            h.open();
            h.processElement(new StreamRecord<>(event("e1", "u0", "s1", ListenType.PLAY, T0, T0, 0)));
            h.prepareSnapshotPreBarrier(1);
            h.processElement(new StreamRecord<>(event("e2", "u0", "s2", ListenType.PLAY, T0 + 1, T0 + 1, 1)));
            h.processElement(new StreamRecord<>(tombstone("u0", T0 + 2, 2)));
            // u1 evicts u0 from the cache of one: the eviction must not write u0 back.
            h.processElement(new StreamRecord<>(event("e3", "u1", "s1", ListenType.PLAY, T0 + 3, T0 + 3, 3)));
            assertEquals(Map.of(), items(h, "u0"));
            h.processElement(new StreamRecord<>(event("e4", "u0", "s3", ListenType.PLAY, T0 + 4, T0 + 4, 4)));
            h.processElement(new StreamRecord<>(tombstone("u0", T0 + 5, 5)));
            h.prepareSnapshotPreBarrier(2);
            assertNull(StateFixtures.userState(h, "u0"), "erased, flushed: no record");
            assertEquals(Map.of(), items(h, "u0"));
            assertEquals(Map.of(), seen(h, "u0", "seen"));
            assertEquals(Map.of(), seen(h, "u0", "seen-b"));
            assertEquals(1L, StateFixtures.userState(h, "u1").getVersion(), "the other user is written");
        }
    }

    /**
     * An expired user's old items and ids are gone after the flush, whether its next record (by its
     * record timestamps) or its cleanup timer expired it; only what came after the expiry is written.
     */
    @ParameterizedTest
    @MethodSource("rocksDb")
    void anExpiredUserIsNotWrittenBack(StateBackend backend) throws Exception {
        try (var h = harness(backend, users(10), false, LIMITS)) {
            h.open();
            h.setProcessingTime(T0);
            h.processElement(new StreamRecord<>(event("e1", "u0", "s1", ListenType.PLAY, T0, T0, 0)));
            h.processElement(new StreamRecord<>(event("e2", "u0", "s2", ListenType.PLAY, T0 + 1, T0 + 1, 1)));
            long back = T0 + 3 * DAY;
            h.processElement(new StreamRecord<>(event("e3", "u0", "s3", ListenType.PLAY, back, back, 2)));
            h.prepareSnapshotPreBarrier(1);
            assertEquals(1L, StateFixtures.userState(h, "u0").getVersion(), "a new sequence after the expiry");
            assertEquals(List.of("s3"), List.copyOf(
                    items(h, "u0").keySet()));

            // The cleanup timer: u0 changes in the cache, then the input moves on and the timer fires.
            h.processElement(new StreamRecord<>(event("e4", "u0", "s4", ListenType.PLAY, back + 1, back + 1, 3)));
            long later = back + LIMITS.expireAfterMs() + SequenceFunction.EXPIRY_GRACE_MS + 1;
            h.processElement(new StreamRecord<>(event("e5", "u1", "s1", ListenType.PLAY, later, later, 4)));
            h.setProcessingTime(later + 2 * SequenceFunction.EXPIRY_GRACE_MS);
            h.prepareSnapshotPreBarrier(2);
            assertNull(StateFixtures.userState(h, "u0"), "expired by its timer, flushed: no record");
            assertEquals(Map.of(), items(h, "u0"));
            assertEquals(Map.of(), seen(h, "u0", "seen"));
            assertEquals(Map.of(), seen(h, "u0", "seen-b"));
        }
    }
}
