package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.LateRecord;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.sequence.BoundedSeenIds;
import dev.listenseq.sequence.EmitThrottle;
import dev.listenseq.sequence.EventOrder;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.SequenceUpdater;
import dev.listenseq.sequence.StateLimits;
import dev.listenseq.sequence.SnapshotBuilder;
import dev.listenseq.sequence.Weighting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyContext;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps each user's sequence in keyed state and emits throttled snapshots. A thin shell: it reads
 * state, calls the plain-Java {@link SequenceUpdater}, writes state back, and decides emission with
 * {@link EmitThrottle}.
 *
 * <p>State layout, per user (the key); docs/state.md has the format versions and every cap:
 * <ul>
 *   <li>{@code items}: MapState song_id → {@link ItemState}. One entry per song, so an event
 *       reads and writes one small entry, never the whole sequence.</li>
 *   <li>{@code user}: ValueState {@link UserState}: version, as_of, recent tail, eviction queue,
 *       emission, seen-id and expiry bookkeeping. Bounded by sequence.recent-events and ~sqrt(max-items).</li>
 *   <li>{@code seen}, {@code seen-b}: MapState event_id → event time, the two generations of
 *       {@link BoundedSeenIds} (at most sequence.dedup-max-ids ids, dropped a generation at a time).</li>
 *   <li>{@code pending-records} (event-time ordering only): MapState (event time, arrival number) →
 *       record, one entry per parked record, at most ordering.max-pending; {@code pending-meta}: their
 *       count, the next arrival number and the event time of the one release timer.</li>
 *   <li>{@code pending}: format 1's buffer (event time → records), only read: restored records are
 *       released by their restored timers, and nothing is added to it.</li>
 * </ul>
 * {@code user} and {@code items} are written by {@link UserStateSerializer} and
 * {@link ItemStateSerializer}: the bytes of Flink's Avro serializer, at a fraction of its cost.
 * {@code user}, {@code items} and the seen ids are reached through a {@link UserStore}: directly, or,
 * run by {@link SequenceOperator} with a {@link StateCache}, through the write-behind
 * {@link CachedUserStore}, which the operator flushes before every checkpoint barrier.
 *
 * <p>Timers, per user, at most: one processing-time emission timer (the trailing edge, registered only
 * when a change arrives inside the interval), one event-time release timer (at the earliest parked
 * record), one processing-time expiry timer (with state.expire-after), and with a bounded input one
 * event-time timer at the end of time (the only emission timer with {@link Emission#AT_END}). Timers
 * restored from format 1 (one per parked event time) fire once each and are not renewed.
 *
 * <p>A record with a null value is a deletion request for the key's user ({@link #erase}): every
 * state and timer of the user is cleared and a {@link SnapshotRecord#tombstone} is emitted. An
 * expired user (state.expire-after) gets the same tombstone.
 *
 * <p>One job-level value lives outside the keyed state: the lineage {@code generation} written into
 * every snapshot, as union operator state ({@code lineage-generation}). A start without state uses
 * the value fixed when the job graph was built (wall-clock ms on the client, so every subtask agrees);
 * a restore keeps the restored value (the max over the union list), or 0 from a savepoint taken
 * before the generation existed. So versions restart at 1 only in a new, higher generation.
 */
public class SequenceFunction extends KeyedProcessFunction<String, KeyedRecord, SnapshotRecord>
        implements CheckpointedFunction {

    public static final OutputTag<LateRecord> LATE = new OutputTag<>("late-events", TypeInformation.of(LateRecord.class));

    private static final int META_COUNT = 0;
    private static final int META_NEXT = 1;
    private static final int META_TIMER = 2;
    /**
     * The expiry timer waits this much longer than state.expire-after for the subtask's input to show
     * that the user's partition has moved on too (see {@link #expiryDue}).
     */
    static final long EXPIRY_GRACE_MS = 86_400_000L;

    private final SequencePolicy policy;
    private final StateLimits limits;
    private final Weighting weighting;
    private final long emitMinIntervalMs;
    private final boolean eventTimeOrder;
    private final Emission emission;
    private final long freshGeneration;

    private transient ListState<Long> generationState;
    private transient long generation;
    private transient MapState<Long, List<RawRecord>> formatOnePending;
    private transient MapState<Tuple2<Long, Long>, RawRecord> pending;
    private transient ValueState<long[]> pendingMeta;
    /** The cache the operator asks for ({@link #useStateCache}); null: state is read and written directly. */
    private transient KeyContext cacheKeys;
    private transient StateCache cache;
    private transient UserStore store;
    private transient BoundedSeenIds seen;
    private transient SequenceUpdater updater;
    private transient SnapshotBuilder snapshots;
    private transient EmitThrottle throttle;
    private transient SingleObjectCodec<ListenEvent> codec;
    /** The largest Kafka record timestamp this subtask has read since it started: its input's progress. */
    private transient long inputProgressMs;
    /** The chaos suite's fault-injection hook; null (off) unless its global job parameter is set. */
    private transient FaultHook faultHook;

    private transient Counter applied;
    private transient Counter duplicates;
    private transient Counter late;
    private transient Counter latePendingFull;
    private transient Counter expired;
    private transient Counter erasures;
    private transient Counter emitted;
    private transient Histogram sequenceLength;
    private transient Histogram emitLatency;

    public SequenceFunction(SequencePolicy policy, Weighting weighting, long emitMinIntervalMs) {
        this(policy, StateLimits.defaults(), weighting, emitMinIntervalMs, false, Emission.THROTTLED);
    }

    public SequenceFunction(SequencePolicy policy, Weighting weighting, long emitMinIntervalMs,
                            boolean eventTimeOrder, Emission emission) {
        this(policy, StateLimits.defaults(), weighting, emitMinIntervalMs, eventTimeOrder, emission);
    }

    /**
     * @param eventTimeOrder hold events until the watermark passes them and apply them in event-time order
     * @param emission       when snapshots are emitted; the bounded modes rely on the final watermark
     */
    public SequenceFunction(SequencePolicy policy, StateLimits limits, Weighting weighting, long emitMinIntervalMs,
                            boolean eventTimeOrder, Emission emission) {
        this(policy, limits, weighting, emitMinIntervalMs, eventTimeOrder, emission, System.currentTimeMillis());
    }

    /** @param freshGeneration the generation of snapshots when the job starts without state */
    public SequenceFunction(SequencePolicy policy, StateLimits limits, Weighting weighting, long emitMinIntervalMs,
                            boolean eventTimeOrder, Emission emission, long freshGeneration) {
        this.freshGeneration = freshGeneration;
        this.policy = policy;
        this.limits = limits;
        this.weighting = weighting;
        this.emitMinIntervalMs = emitMinIntervalMs;
        this.eventTimeOrder = eventTimeOrder;
        this.emission = emission;
    }

    /*
     * The descriptors of the state layout above: the names and serializers a savepoint holds. Public
     * so that a tool writing a savepoint in bulk (state-bench) writes exactly what this function reads.
     */

    /** {@code user}: the user's record. */
    public static ValueStateDescriptor<UserState> userDescriptor() {
        return new ValueStateDescriptor<>("user", new UserStateSerializer());
    }

    /** {@code items}: song_id → the song's item. */
    public static MapStateDescriptor<String, ItemState> itemsDescriptor() {
        return new MapStateDescriptor<>("items", StringSerializer.INSTANCE, new ItemStateSerializer());
    }

    /** {@code seen} (generation 0) or {@code seen-b} (generation 1) of {@link BoundedSeenIds}: event_id → event time. */
    public static MapStateDescriptor<String, Long> seenDescriptor(int generation) {
        if (generation != 0 && generation != 1) {
            throw new IllegalArgumentException("seen-id generation " + generation + "; there are two, 0 and 1");
        }
        return new MapStateDescriptor<>(generation == 0 ? "seen" : "seen-b", Types.STRING, Types.LONG);
    }

    /** {@code pending-records} (event-time ordering): (event time, arrival number) → the parked record. */
    public static MapStateDescriptor<Tuple2<Long, Long>, RawRecord> pendingRecordsDescriptor() {
        return new MapStateDescriptor<>("pending-records", Types.TUPLE(Types.LONG, Types.LONG),
                TypeInformation.of(RawRecord.class));
    }

    /** {@code lineage-generation}: the union operator state of the snapshots' generation. */
    public static ListStateDescriptor<Long> generationDescriptor() {
        return new ListStateDescriptor<>("lineage-generation", Types.LONG);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        generationState = context.getOperatorStateStore().getUnionListState(generationDescriptor());
        if (context.isRestored()) {
            generation = 0;
            for (Long g : generationState.get()) {
                generation = Math.max(generation, g);
            }
        } else {
            generation = freshGeneration;
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        generationState.update(List.of(generation));
    }

    /**
     * Keeps the state of recently active users in memory, as much as {@code cache} allows ({@link CachedUserStore}),
     * writing it to keyed state through {@code keys}; called by {@link SequenceOperator} before open,
     * which then calls {@link #flushStateCache} before every checkpoint barrier and at the end of input.
     */
    void useStateCache(KeyContext keys, StateCache cache) {
        this.cacheKeys = keys;
        this.cache = cache;
    }

    /** Writes every change the cache holds to keyed state; nothing to do without a cache. */
    void flushStateCache() {
        if (store != null) {
            store.flush();
        }
    }

    /** The state cache in use ({@link #useStateCache}, once open), or null: its size, for the operator's tests. */
    CachedUserStore stateCache() {
        return store instanceof CachedUserStore cached ? cached : null;
    }

    /** The generation written into this job's snapshots. */
    public long generation() {
        return generation;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueState<UserState> userState = getRuntimeContext().getState(userDescriptor());
        MapState<String, ItemState> itemState = getRuntimeContext().getMapState(itemsDescriptor());
        MapState<String, Long> seenFirst = getRuntimeContext().getMapState(seenDescriptor(0));
        MapState<String, Long> seenSecond = getRuntimeContext().getMapState(seenDescriptor(1));
        formatOnePending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                Types.LIST(TypeInformation.of(RawRecord.class))));
        pending = getRuntimeContext().getMapState(pendingRecordsDescriptor());
        pendingMeta = getRuntimeContext().getState(new ValueStateDescriptor<>("pending-meta",
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        store = cacheKeys == null
                ? UserStore.direct(userState, itemState, seenFirst, seenSecond)
                : new CachedUserStore(cache.users(), cache.bytes(), cacheKeys, userState, itemState, seenFirst, seenSecond);
        seen = new BoundedSeenIds(store.seen(0), store.seen(1), limits.maxSeenIds());
        updater = new SequenceUpdater(policy, weighting);
        snapshots = new SnapshotBuilder(weighting);
        throttle = new EmitThrottle(emitMinIntervalMs);
        codec = SingleObjectCodec.of(ListenEvent.class);
        inputProgressMs = Long.MIN_VALUE;
        faultHook = FaultHook.from(getRuntimeContext().getGlobalJobParameters());

        MetricGroup metrics = JobMetrics.group(getRuntimeContext().getMetricGroup());
        applied = metrics.counter(JobMetrics.APPLIED);
        duplicates = metrics.counter(JobMetrics.DUPLICATES);
        late = metrics.counter(JobMetrics.LATE);
        latePendingFull = metrics.counter(JobMetrics.LATE_PENDING_FULL);
        expired = metrics.counter(JobMetrics.USERS_EXPIRED);
        erasures = metrics.counter(JobMetrics.ERASURES);
        emitted = metrics.counter(JobMetrics.SNAPSHOTS);
        sequenceLength = metrics.histogram(JobMetrics.SEQUENCE_LENGTH,
                new DescriptiveStatisticsHistogram(JobMetrics.HISTOGRAM_WINDOW));
        emitLatency = metrics.histogram(JobMetrics.EMIT_LATENCY_MS,
                new DescriptiveStatisticsHistogram(JobMetrics.HISTOGRAM_WINDOW));
        if (store instanceof CachedUserStore cached) {
            // Read by the metrics thread without a lock: a gauge may lag by an event, never more.
            metrics.gauge(JobMetrics.STATE_CACHE_USERS, (Gauge<Integer>) cached::size);
            metrics.gauge(JobMetrics.STATE_CACHE_BYTES, (Gauge<Long>) cached::heldBytes);
        }
    }

    @Override
    public void processElement(KeyedRecord in, Context ctx, Collector<SnapshotRecord> out) throws Exception {
        if (faultHook != null) {
            faultHook.beforeRecord();
        }
        inputProgressMs = Math.max(inputProgressMs, in.record.timestamp);
        store.select(ctx.getCurrentKey());
        if (in.record.value == null) {
            erase(ctx, out);
            return;
        }
        ListenEvent event = decode(in.record);
        if (eventTimeOrder) {
            hold(in.record, event, ctx);
            return;
        }
        UserState user = current(store.user(), in.record, ctx, out);
        if (apply(user, in.record, event, ctx)) {
            afterChange(user, ctx, out);
            store.update(user);
        }
    }

    /**
     * The user's state for an event read at {@code record}: new when there is none, and new when the
     * user has been inactive for state.expire-after before this record (decided from the user's own
     * record timestamps, so a replay decides the same).
     */
    private UserState current(UserState user, RawRecord record, Context ctx, Collector<SnapshotRecord> out)
            throws Exception {
        if (user != null && user.getVersion() > 0 && limits.expires() && user.getLastRecordMs() != Long.MIN_VALUE
                && record.timestamp - user.getLastRecordMs() >= limits.expireAfterMs()) {
            expireUser(user, ctx, out);
            user = null;
        }
        return user == null ? SequenceUpdater.newUser() : user;
    }

    /**
     * Event-time ordering: park the event until the watermark passes its time, or send it to the late
     * topic: behind the watermark, or beyond the user's ordering.max-pending. One small read and two
     * small writes, whatever the number parked; the release timer moves only to an earlier time.
     */
    private void hold(RawRecord record, ListenEvent event, Context ctx) throws Exception {
        long time = event.getEventTime().toEpochMilli();
        if (time <= ctx.timerService().currentWatermark()) {
            toLate(record, LateRecord.Reason.WATERMARK, ctx);
            return;
        }
        long[] meta = pendingMeta.value();
        if (meta == null) {
            meta = new long[] {0, 0, Long.MIN_VALUE};
        }
        if (meta[META_COUNT] >= limits.maxPending()) {
            latePendingFull.inc();
            toLate(record, LateRecord.Reason.PENDING_FULL, ctx);
            return;
        }
        pending.put(Tuple2.of(time, meta[META_NEXT]), record);
        meta[META_COUNT]++;
        meta[META_NEXT]++;
        if (meta[META_TIMER] == Long.MIN_VALUE || time < meta[META_TIMER]) {
            if (meta[META_TIMER] != Long.MIN_VALUE) {
                ctx.timerService().deleteEventTimeTimer(meta[META_TIMER]);
            }
            ctx.timerService().registerEventTimeTimer(time);
            meta[META_TIMER] = time;
        }
        pendingMeta.update(meta);
    }

    private void toLate(RawRecord record, LateRecord.Reason reason, Context ctx) {
        late.inc();
        ctx.output(LATE, new LateRecord(record, reason));
    }

    /** Applies one event; true if it changed the sequence. */
    private boolean apply(UserState user, RawRecord record, ListenEvent event, Context ctx) throws Exception {
        switch (updater.apply(user, store.items(), seen.bind(user), event)) {
            case LATE:
                toLate(record, LateRecord.Reason.HORIZON, ctx);
                return false;
            case DUPLICATE:
                duplicates.inc();
                return false;
            default:
                applied.inc();
                if (user.getPendingSinceMs() == Long.MIN_VALUE) {
                    user.setPendingSinceMs(record.timestamp);
                }
                if (record.timestamp > user.getLastRecordMs()) {
                    user.setLastRecordMs(record.timestamp);
                }
                if (limits.expires() && user.getExpiryTimerMs() == Long.MIN_VALUE) {
                    scheduleExpiry(user, ctx);
                }
                return true;
        }
    }

    /** Emits now or schedules the trailing edge, as the throttle decides. */
    private void afterChange(UserState user, Context ctx, Collector<SnapshotRecord> out) {
        if (emission == Emission.AT_END) {
            // Flink keeps one timer per user and time, on the heap by default (FlinkSettings): registering
            // it again at each change is a lookup, and no flag in state can go stale across a restore.
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        EmitThrottle.Decision decision = throttle.afterChange(now, user.getLastEmitMs(), user.getTimerMs());
        if (decision.emitNow()) {
            emit(ctx.getCurrentKey(), user, now, out);
        } else if (decision.schedules()) {
            ctx.timerService().registerProcessingTimeTimer(decision.timerAt());
            user.setTimerMs(decision.timerAt());
            if (emission.bounded()) {
                // Processing-time timers do not fire at the end of a bounded input; the final watermark does.
                ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<SnapshotRecord> out) throws Exception {
        store.select(ctx.getCurrentKey());
        UserState user = store.user();
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp != Long.MAX_VALUE) {
            release(timestamp, user == null ? SequenceUpdater.newUser() : user, ctx, out);
            return;
        }
        if (user == null) {
            return;
        }
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME && timestamp == user.getExpiryTimerMs()) {
            user.setExpiryTimerMs(Long.MIN_VALUE);
            long[] meta = pendingMeta.value();
            if (expiryDue(user) && (meta == null || meta[META_COUNT] == 0)) {
                expireUser(user, ctx, out);
                return;
            }
            scheduleExpiry(user, ctx);
            if (timestamp != user.getTimerMs()) {
                store.update(user);
                return;
            }
        }
        user.setTimerMs(Long.MIN_VALUE);
        if (user.getVersion() > user.getEmittedVersion()) {
            emit(ctx.getCurrentKey(), user, ctx.timerService().currentProcessingTime(), out);
        }
        store.update(user);
    }

    /**
     * The watermark passed {@code time}: apply every parked record at or behind it, one event time
     * after another as separate timers would, and those of one time in a fixed order. Then move the
     * release timer to the earliest record still parked. The scan is bounded by ordering.max-pending.
     */
    private void release(long time, UserState user, OnTimerContext ctx, Collector<SnapshotRecord> out) throws Exception {
        long watermark = Math.max(time, ctx.timerService().currentWatermark());
        TreeMap<Long, List<RawRecord>> due = new TreeMap<>();
        List<RawRecord> restored = formatOnePending.get(time);
        if (restored != null) {
            formatOnePending.remove(time);
            due.put(time, new ArrayList<>(restored));
        }
        long[] meta = pendingMeta.value();
        if (meta != null && meta[META_COUNT] > 0 && meta[META_TIMER] <= watermark) {
            long next = Long.MAX_VALUE;
            Iterator<Map.Entry<Tuple2<Long, Long>, RawRecord>> it = pending.iterator();
            while (it.hasNext()) {
                Map.Entry<Tuple2<Long, Long>, RawRecord> e = it.next();
                long at = e.getKey().f0;
                if (at <= watermark) {
                    due.computeIfAbsent(at, t -> new ArrayList<>()).add(e.getValue());
                    it.remove();
                    meta[META_COUNT]--;
                } else {
                    next = Math.min(next, at);
                }
            }
            meta[META_TIMER] = next == Long.MAX_VALUE ? Long.MIN_VALUE : next;
            if (next != Long.MAX_VALUE) {
                ctx.timerService().registerEventTimeTimer(next);
            }
            if (meta[META_COUNT] == 0) {
                pendingMeta.clear();
            } else {
                pendingMeta.update(meta);
            }
        }
        for (List<RawRecord> parked : due.values()) {
            user = applyParked(parked, user, ctx, out);
        }
    }

    /** Applies the records parked at one event time; returns the user's state after them. */
    private UserState applyParked(List<RawRecord> parked, UserState user, OnTimerContext ctx,
                                  Collector<SnapshotRecord> out) throws Exception {
        List<Map.Entry<ListenEvent, RawRecord>> events = new ArrayList<>(parked.size());
        for (RawRecord record : parked) {
            events.add(Map.entry(decode(record), record));
        }
        EventOrder.sort(events, e -> new EventOrder.Key(e.getKey().getEventId(), e.getValue().topic,
                e.getValue().partition, e.getValue().offset));
        boolean changed = false;
        for (Map.Entry<ListenEvent, RawRecord> e : events) {
            UserState now = current(user, e.getValue(), ctx, out);
            if (now != user) {
                // Expired: what was applied before goes with it, unemitted, as the user's whole state does.
                changed = false;
                user = now;
            }
            changed |= apply(user, e.getValue(), e.getKey(), ctx);
        }
        if (changed) {
            afterChange(user, ctx, out);
            store.update(user);
        }
        return user;
    }

    /** One cleanup timer per user, at the end of its inactivity period as its record timestamps tell it. */
    private void scheduleExpiry(UserState user, Context ctx) {
        long at = user.getLastRecordMs() + limits.expireAfterMs() + EXPIRY_GRACE_MS;
        long now = ctx.timerService().currentProcessingTime();
        if (at <= now) {
            // Due by the clock but not by the input (a backfill, a stalled partition): look again later.
            at = now + Math.min(limits.expireAfterMs(), EXPIRY_GRACE_MS);
        }
        ctx.timerService().registerProcessingTimeTimer(at);
        user.setExpiryTimerMs(at);
    }

    /**
     * Whether a cleanup timer may clear the user. Its next event, if any, will decide the same, as long
     * as this subtask's input has moved on past the user's inactivity period by more than the grace:
     * the timer's processing time alone would clear users whose events are still to be read in a
     * backfill.
     */
    private boolean expiryDue(UserState user) {
        return user.getLastRecordMs() != Long.MIN_VALUE && inputProgressMs != Long.MIN_VALUE
                && inputProgressMs - user.getLastRecordMs() >= limits.expireAfterMs() + EXPIRY_GRACE_MS;
    }

    /**
     * Clears the current user's keyed state (items, user record, seen ids and their timers) and sends
     * a tombstone for the user down the snapshot stream, as an erasure does, so readers forget the
     * user and take its next sequence, which starts again at version 1. Records parked for the
     * watermark stay: they are the user's next events (the cleanup timer waits for them).
     */
    private void expireUser(UserState user, Context ctx, Collector<SnapshotRecord> out) throws Exception {
        if (user.getTimerMs() != Long.MIN_VALUE) {
            ctx.timerService().deleteProcessingTimeTimer(user.getTimerMs());
        }
        if (user.getExpiryTimerMs() != Long.MIN_VALUE) {
            ctx.timerService().deleteProcessingTimeTimer(user.getExpiryTimerMs());
        }
        store.clear();
        expired.inc();
        out.collect(SnapshotRecord.tombstone(ctx.getCurrentKey(), ctx.timerService().currentProcessingTime()));
    }

    /**
     * A deletion request (an input tombstone keyed by this user): forget everything about the user
     * and send a tombstone for the key down the snapshot stream, behind any snapshot already sent.
     * Events parked for event-time ordering arrived before the request, so they are erased too; the
     * user's next event starts a new sequence at version 1. Every timer of the user goes: the
     * trailing-edge and expiry timers (their times are in the user's state), the release timer (in
     * pending-meta) and any timers restored from format 1 (one per parked event time). The end-of-input
     * flush timer is left: it finds no user and does nothing.
     */
    private void erase(Context ctx, Collector<SnapshotRecord> out) throws Exception {
        erasures.inc();
        UserState user = store.user();
        if (user != null && user.getTimerMs() != Long.MIN_VALUE) {
            ctx.timerService().deleteProcessingTimeTimer(user.getTimerMs());
        }
        if (user != null && user.getExpiryTimerMs() != Long.MIN_VALUE) {
            ctx.timerService().deleteProcessingTimeTimer(user.getExpiryTimerMs());
        }
        long[] meta = pendingMeta.value();
        if (meta != null && meta[META_TIMER] != Long.MIN_VALUE) {
            ctx.timerService().deleteEventTimeTimer(meta[META_TIMER]);
        }
        for (Long time : formatOnePending.keys()) {
            ctx.timerService().deleteEventTimeTimer(time);
        }
        store.clear();
        formatOnePending.clear();
        pending.clear();
        pendingMeta.clear();
        out.collect(SnapshotRecord.tombstone(ctx.getCurrentKey(), ctx.timerService().currentProcessingTime()));
    }

    private ListenEvent decode(RawRecord record) {
        try {
            return codec.decodeAccepted(record.value);
        } catch (DecodeException e) {
            throw new IllegalStateException("record " + record + " passed validation but does not decode", e);
        }
    }

    private void emit(String userId, UserState user, long now, Collector<SnapshotRecord> out) {
        updater.trimRecent(user);
        UserSequence snapshot = snapshots.build(userId, user, store.items().entries(), now);
        snapshot.setGeneration(generation);
        out.collect(SnapshotRecord.of(snapshot));
        emitted.inc();
        sequenceLength.update(user.getItemCount());
        if (user.getPendingSinceMs() != Long.MIN_VALUE) {
            emitLatency.update(Math.max(0, now - user.getPendingSinceMs()));
        }
        user.setEmittedVersion(user.getVersion());
        user.setLastEmitMs(now);
        // Nothing waits for a timer now. A timer taken as lost that fires after all emits only
        // changes made since this snapshot.
        user.setTimerMs(Long.MIN_VALUE);
        user.setPendingSinceMs(Long.MIN_VALUE);
    }
}
