package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.chaos.FaultHook;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.sequence.EmitThrottle;
import dev.listenseq.sequence.ItemStore;
import dev.listenseq.sequence.SeenEvents;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.SequenceUpdater;
import dev.listenseq.sequence.SnapshotBuilder;
import dev.listenseq.sequence.Weighting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Keeps each user's sequence in keyed state and emits throttled snapshots. A thin shell: it reads
 * state, calls the plain-Java {@link SequenceUpdater}, writes state back, and decides emission with
 * {@link EmitThrottle}.
 *
 * <p>State layout, per user (the key):
 * <ul>
 *   <li>{@code items}: MapState song_id → {@link ItemState}. One entry per song, so an event
 *       reads and writes one small entry, never the whole sequence.</li>
 *   <li>{@code user}: ValueState {@link UserState}: version, as_of, recent tail, eviction queue,
 *       emission bookkeeping. Bounded by sequence.recent-events and ~sqrt(max-items).</li>
 *   <li>{@code seen}: MapState event_id → event time, for de-duplication within the dedup window;
 *       pruned as as_of advances.</li>
 *   <li>{@code pending} (event-time ordering only): MapState event time → records parked until the
 *       watermark passes that time; one event-time timer per distinct time.</li>
 * </ul>
 * {@code user} and {@code items} are written by {@link UserStateSerializer} and
 * {@link ItemStateSerializer}: the bytes of Flink's Avro serializer, at a fraction of its cost.
 * Emission uses processing-time timers: the trailing-edge timer is registered only when a change
 * arrives inside the interval, and at most one is pending per user.
 */
public class SequenceFunction extends KeyedProcessFunction<String, KeyedRecord, UserSequence> {

    public static final OutputTag<RawRecord> LATE = new OutputTag<>("late-events", TypeInformation.of(RawRecord.class));

    private final SequencePolicy policy;
    private final Weighting weighting;
    private final long emitMinIntervalMs;
    private final boolean eventTimeOrder;
    private final boolean flushAtEndOfInput;

    private transient ValueState<UserState> userState;
    private transient MapState<String, ItemState> itemState;
    private transient MapState<Long, List<RawRecord>> pending;
    private transient ItemStore items;
    private transient SeenEvents seen;
    private transient SequenceUpdater updater;
    private transient SnapshotBuilder snapshots;
    private transient EmitThrottle throttle;
    private transient SingleObjectCodec<ListenEvent> codec;
    /** The chaos suite's fault-injection hook; null (off) unless its global job parameter is set. */
    private transient FaultHook faultHook;

    private transient Counter applied;
    private transient Counter duplicates;
    private transient Counter late;
    private transient Counter emitted;
    private transient Histogram sequenceLength;
    private transient Histogram emitLatency;

    public SequenceFunction(SequencePolicy policy, Weighting weighting, long emitMinIntervalMs) {
        this(policy, weighting, emitMinIntervalMs, false, false);
    }

    /**
     * @param eventTimeOrder    hold events until the watermark passes them and apply them in event-time order
     * @param flushAtEndOfInput emit pending snapshots when the final watermark arrives (bounded inputs)
     */
    public SequenceFunction(SequencePolicy policy, Weighting weighting, long emitMinIntervalMs,
                            boolean eventTimeOrder, boolean flushAtEndOfInput) {
        this.policy = policy;
        this.weighting = weighting;
        this.emitMinIntervalMs = emitMinIntervalMs;
        this.eventTimeOrder = eventTimeOrder;
        this.flushAtEndOfInput = flushAtEndOfInput;
    }

    @Override
    public void open(OpenContext openContext) {
        userState = getRuntimeContext().getState(new ValueStateDescriptor<>("user", new UserStateSerializer()));
        itemState = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("items", StringSerializer.INSTANCE, new ItemStateSerializer()));
        MapState<String, Long> seenState = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("seen", Types.STRING, Types.LONG));
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                Types.LIST(TypeInformation.of(RawRecord.class))));
        items = StateStores.items(itemState);
        seen = StateStores.seen(seenState);
        updater = new SequenceUpdater(policy, weighting);
        snapshots = new SnapshotBuilder(weighting);
        throttle = new EmitThrottle(emitMinIntervalMs);
        codec = SingleObjectCodec.of(ListenEvent.class);
        faultHook = FaultHook.from(getRuntimeContext().getGlobalJobParameters());

        MetricGroup metrics = JobMetrics.group(getRuntimeContext().getMetricGroup());
        applied = metrics.counter(JobMetrics.APPLIED);
        duplicates = metrics.counter(JobMetrics.DUPLICATES);
        late = metrics.counter(JobMetrics.LATE);
        emitted = metrics.counter(JobMetrics.SNAPSHOTS);
        sequenceLength = metrics.histogram(JobMetrics.SEQUENCE_LENGTH,
                new DescriptiveStatisticsHistogram(JobMetrics.HISTOGRAM_WINDOW));
        emitLatency = metrics.histogram(JobMetrics.EMIT_LATENCY_MS,
                new DescriptiveStatisticsHistogram(JobMetrics.HISTOGRAM_WINDOW));
    }

    @Override
    public void processElement(KeyedRecord in, Context ctx, Collector<UserSequence> out) throws Exception {
        if (faultHook != null) {
            faultHook.beforeRecord();
        }
        ListenEvent event = decode(in.record);
        if (eventTimeOrder) {
            hold(in.record, event, ctx);
            return;
        }
        UserState user = userState.value();
        if (user == null) {
            user = SequenceUpdater.newUser();
        }
        if (apply(user, in.record, event, ctx)) {
            afterChange(user, ctx, out);
            userState.update(user);
        }
    }

    /** Event-time ordering: park the event until the watermark passes its time, or send it to the late topic. */
    private void hold(RawRecord record, ListenEvent event, Context ctx) throws Exception {
        long time = event.getEventTime().toEpochMilli();
        if (time <= ctx.timerService().currentWatermark()) {
            late.inc();
            ctx.output(LATE, record);
            return;
        }
        List<RawRecord> parked = pending.get(time);
        if (parked == null) {
            parked = new ArrayList<>(1);
        }
        parked.add(record);
        pending.put(time, parked);
        ctx.timerService().registerEventTimeTimer(time);
    }

    /** Applies one event; true if it changed the sequence. */
    private boolean apply(UserState user, RawRecord record, ListenEvent event, Context ctx) throws Exception {
        switch (updater.apply(user, items, seen, event)) {
            case LATE:
                late.inc();
                ctx.output(LATE, record);
                return false;
            case DUPLICATE:
                duplicates.inc();
                return false;
            default:
                applied.inc();
                if (user.getPendingSinceMs() == Long.MIN_VALUE) {
                    user.setPendingSinceMs(record.timestamp);
                }
                return true;
        }
    }

    /** Emits now or schedules the trailing edge, as the throttle decides. */
    private void afterChange(UserState user, Context ctx, Collector<UserSequence> out) {
        long now = ctx.timerService().currentProcessingTime();
        EmitThrottle.Decision decision = throttle.afterChange(now, user.getLastEmitMs(), user.getTimerMs());
        if (decision.emitNow()) {
            emit(ctx.getCurrentKey(), user, now, out);
        } else if (decision.schedules()) {
            ctx.timerService().registerProcessingTimeTimer(decision.timerAt());
            user.setTimerMs(decision.timerAt());
            if (flushAtEndOfInput) {
                // Processing-time timers do not fire at the end of a bounded input; the final watermark does.
                ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<UserSequence> out) throws Exception {
        UserState user = userState.value();
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp != Long.MAX_VALUE) {
            release(timestamp, user == null ? SequenceUpdater.newUser() : user, ctx, out);
            return;
        }
        if (user == null) {
            return;
        }
        user.setTimerMs(Long.MIN_VALUE);
        if (user.getVersion() > user.getEmittedVersion()) {
            emit(ctx.getCurrentKey(), user, ctx.timerService().currentProcessingTime(), out);
        }
        userState.update(user);
    }

    /** The watermark passed {@code time}: apply the events parked there, in a fixed order. */
    private void release(long time, UserState user, OnTimerContext ctx, Collector<UserSequence> out) throws Exception {
        List<RawRecord> parked = pending.get(time);
        if (parked == null) {
            return;
        }
        pending.remove(time);
        List<Map.Entry<ListenEvent, RawRecord>> events = new ArrayList<>(parked.size());
        for (RawRecord record : parked) {
            events.add(Map.entry(decode(record), record));
        }
        // Same event time: order by event_id, then by where the record was read, so the result never
        // depends on which partition arrived first.
        events.sort(Comparator.<Map.Entry<ListenEvent, RawRecord>, String>comparing(e -> e.getKey().getEventId())
                .thenComparing(e -> e.getValue().topic)
                .thenComparingInt(e -> e.getValue().partition)
                .thenComparingLong(e -> e.getValue().offset));
        boolean changed = false;
        for (Map.Entry<ListenEvent, RawRecord> e : events) {
            changed |= apply(user, e.getValue(), e.getKey(), ctx);
        }
        if (changed) {
            afterChange(user, ctx, out);
            userState.update(user);
        }
    }

    private ListenEvent decode(RawRecord record) {
        try {
            return codec.decodeAccepted(record.value);
        } catch (DecodeException e) {
            throw new IllegalStateException("record " + record + " passed validation but does not decode", e);
        }
    }

    private void emit(String userId, UserState user, long now, Collector<UserSequence> out) {
        out.collect(snapshots.build(userId, user, items.entries(), now));
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
