package dev.listenseq.kstreams;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.codec.UserSequenceEncoder;
import dev.listenseq.config.JobConfig;
import dev.listenseq.sequence.EmitThrottle;
import dev.listenseq.sequence.EventValidator;
import dev.listenseq.sequence.ItemStore;
import dev.listenseq.sequence.Rejection;
import dev.listenseq.sequence.SeenEvents;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.SequenceUpdater;
import dev.listenseq.sequence.SnapshotBuilder;
import dev.listenseq.sequence.ValidationRules;
import dev.listenseq.sequence.Weighting;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The benchmark's Kafka Streams baseline: the same sequence logic ({@code sequence/}) in a Kafka
 * Streams topology, what a user would write without Flink. One processor decodes, validates,
 * applies and emits; state lives in three persistent (RocksDB, changelogged) key-value stores:
 *
 * <ul>
 *   <li>{@value #ITEMS}: {@code user_id \0 song_id} → ItemState (Avro), one entry per song, read by
 *       prefix scan when a snapshot is built (the Flink job's MapState layout);</li>
 *   <li>{@value #USERS}: {@code user_id} → UserState (Avro);</li>
 *   <li>{@value #SEEN}: {@code user_id \0 event_id} → event time, for de-duplication;</li>
 *   <li>{@value #TIMERS}: {@code user_id} → due time of the trailing-edge emission. Kafka Streams has
 *       no per-key timers, so a wall-clock punctuator scans this (small) store.</li>
 * </ul>
 *
 * Input must be keyed by user_id (as producers of listen-events are asked to): Kafka Streams then
 * needs no repartition topic. Output topics and record formats are the job's.
 */
public final class SequenceTopology {

    static final String ITEMS = "items";
    static final String USERS = "users";
    static final String SEEN = "seen";
    static final String TIMERS = "emit-timers";
    private static final char SEP = '\0';

    /** Outcome counters, for the benchmark's progress reports. */
    public static final class Counters {
        public final LongAdder recordsIn = new LongAdder();
        public final LongAdder applied = new LongAdder();
        public final LongAdder duplicates = new LongAdder();
        public final LongAdder late = new LongAdder();
        public final LongAdder deadLettered = new LongAdder();
        public final LongAdder snapshots = new LongAdder();
    }

    private SequenceTopology() {
    }

    public static Topology build(JobConfig config, Counters counters) {
        JobConfig.Topics topics = config.topics();
        long emitMs = config.emitMinInterval().toMillis();
        Topology topology = new Topology();
        topology.addSource("listen-events", new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.input());
        topology.addProcessor("sequence-builder",
                () -> new SequenceProcessor(config.policy(), config.weighting(), config.validation(), emitMs, topics, counters),
                "listen-events");
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ITEMS), Serdes.String(), Serdes.ByteArray()), "sequence-builder");
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(USERS), Serdes.String(), Serdes.ByteArray()), "sequence-builder");
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(SEEN), Serdes.String(), Serdes.Long()), "sequence-builder");
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TIMERS), Serdes.String(), Serdes.Long()), "sequence-builder");
        ByteArraySerializer bytes = new ByteArraySerializer();
        topology.addSink("user-sequences", topics.output(), bytes, bytes, "sequence-builder");
        topology.addSink("dead-letters", topics.dlq(), bytes, bytes, "sequence-builder");
        topology.addSink("late-events", topics.late(), bytes, bytes, "sequence-builder");
        return topology;
    }

    static final class SequenceProcessor implements Processor<byte[], byte[], byte[], byte[]> {

        private final SequencePolicy policy;
        private final Weighting weighting;
        private final ValidationRules rules;
        private final long emitMinIntervalMs;
        private final JobConfig.Topics topics;
        private final Counters counters;

        private ProcessorContext<byte[], byte[]> context;
        private KeyValueStore<String, byte[]> itemStore;
        private KeyValueStore<String, byte[]> userStore;
        private KeyValueStore<String, Long> seenStore;
        private KeyValueStore<String, Long> timerStore;
        private SingleObjectCodec<ListenEvent> events;
        private UserSequenceEncoder snapshotCodec;
        private SingleObjectCodec<DeadLetter> deadLetters;
        private StateBytes<ItemState> itemBytes;
        private StateBytes<UserState> userBytes;
        private EventValidator validator;
        private SequenceUpdater updater;
        private SnapshotBuilder snapshots;
        private EmitThrottle throttle;

        SequenceProcessor(SequencePolicy policy, Weighting weighting, ValidationRules rules, long emitMinIntervalMs,
                          JobConfig.Topics topics, Counters counters) {
            this.policy = policy;
            this.weighting = weighting;
            this.rules = rules;
            this.emitMinIntervalMs = emitMinIntervalMs;
            this.topics = topics;
            this.counters = counters;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            itemStore = context.getStateStore(ITEMS);
            userStore = context.getStateStore(USERS);
            seenStore = context.getStateStore(SEEN);
            timerStore = context.getStateStore(TIMERS);
            events = SingleObjectCodec.of(ListenEvent.class);
            snapshotCodec = new UserSequenceEncoder();
            deadLetters = SingleObjectCodec.of(DeadLetter.class);
            itemBytes = StateBytes.items();
            userBytes = StateBytes.users();
            validator = new EventValidator(rules);
            updater = new SequenceUpdater(policy, weighting);
            snapshots = new SnapshotBuilder(weighting);
            throttle = new EmitThrottle(emitMinIntervalMs);
            if (emitMinIntervalMs > 0) {
                // Trailing-edge emission: a quarter of the interval bounds the extra wait.
                context.schedule(Duration.ofMillis(Math.max(10, emitMinIntervalMs / 4)),
                        PunctuationType.WALL_CLOCK_TIME, this::emitDue);
            }
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            counters.recordsIn.increment();
            long now = context.currentSystemTimeMs();
            if (record.value() == null) {
                deadLetter(record, DeadLetterReason.EMPTY_VALUE, "the value is null (a tombstone); a ListenEvent was expected", now);
                return;
            }
            ListenEvent event;
            try {
                event = events.decode(record.value());
            } catch (DecodeException e) {
                deadLetter(record, e.kind() == DecodeException.Kind.UNKNOWN_SCHEMA
                        ? DeadLetterReason.UNKNOWN_SCHEMA : DeadLetterReason.UNDECODABLE, e.getMessage(), now);
                return;
            }
            Rejection rejection = validator.validate(event, record.timestamp());
            if (rejection != null) {
                deadLetter(record, rejection.reason(), rejection.detail(), now);
                return;
            }
            String userId = event.getUserId();
            UserState user = userBytes.decode(userStore.get(userId));
            if (user == null) {
                user = SequenceUpdater.newUser();
            }
            switch (updater.apply(user, new Items(userId), new Seen(userId), event)) {
                case LATE:
                    counters.late.increment();
                    context.forward(record, "late-events");
                    return;
                case DUPLICATE:
                    counters.duplicates.increment();
                    return;
                default:
                    counters.applied.increment();
            }
            if (user.getPendingSinceMs() == Long.MIN_VALUE) {
                user.setPendingSinceMs(record.timestamp());
            }
            EmitThrottle.Decision decision = throttle.afterChange(now, user.getLastEmitMs(), user.getTimerMs());
            if (decision.emitNow()) {
                emit(userId, user, now);
            } else if (decision.schedules()) {
                timerStore.put(userId, decision.timerAt());
                user.setTimerMs(decision.timerAt());
            }
            userStore.put(userId, userBytes.encode(user));
        }

        private void emitDue(long now) {
            List<KeyValue<String, Long>> due = new ArrayList<>();
            try (KeyValueIterator<String, Long> it = timerStore.all()) {
                while (it.hasNext()) {
                    KeyValue<String, Long> timer = it.next();
                    if (timer.value <= now) {
                        due.add(timer);
                    }
                }
            }
            for (KeyValue<String, Long> timer : due) {
                timerStore.delete(timer.key);
                UserState user = userBytes.decode(userStore.get(timer.key));
                if (user == null) {
                    continue;
                }
                user.setTimerMs(Long.MIN_VALUE);
                if (user.getVersion() > user.getEmittedVersion()) {
                    emit(timer.key, user, now);
                }
                userStore.put(timer.key, userBytes.encode(user));
            }
        }

        private void emit(String userId, UserState user, long now) {
            UserSequence snapshot = snapshots.build(userId, user, new Items(userId).entries(), now);
            context.forward(new Record<>(userId.getBytes(StandardCharsets.UTF_8), snapshotCodec.encode(snapshot), now),
                    "user-sequences");
            counters.snapshots.increment();
            user.setEmittedVersion(user.getVersion());
            user.setLastEmitMs(now);
            user.setPendingSinceMs(Long.MIN_VALUE);
        }

        private void deadLetter(Record<byte[], byte[]> record, DeadLetterReason reason, String detail, long now) {
            counters.deadLettered.increment();
            DeadLetter letter = DeadLetter.newBuilder()
                    .setReason(reason)
                    .setDetail(detail)
                    .setSourceTopic(context.recordMetadata().map(m -> m.topic()).orElse(topics.input()))
                    .setSourcePartition(context.recordMetadata().map(m -> m.partition()).orElse(-1))
                    .setSourceOffset(context.recordMetadata().map(m -> m.offset()).orElse(-1L))
                    .setSourceTimestamp(Instant.ofEpochMilli(record.timestamp()))
                    .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                    .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                    .setDeadLetteredAt(Instant.ofEpochMilli(now))
                    .build();
            context.forward(new Record<>(record.key(), deadLetters.encode(letter), record.timestamp()), "dead-letters");
        }

        /** One user's items: keys {@code user \0 song} in the shared store. */
        private final class Items implements ItemStore {
            private final String prefix;

            Items(String userId) {
                this.prefix = userId + SEP;
            }

            @Override
            public ItemState get(String songId) {
                return itemBytes.decode(itemStore.get(prefix + songId));
            }

            @Override
            public void put(String songId, ItemState item) {
                itemStore.put(prefix + songId, itemBytes.encode(item));
            }

            @Override
            public void remove(String songId) {
                itemStore.delete(prefix + songId);
            }

            @Override
            public Iterable<Map.Entry<String, ItemState>> entries() {
                List<Map.Entry<String, ItemState>> result = new ArrayList<>();
                try (KeyValueIterator<String, byte[]> it = itemStore.prefixScan(prefix, new StringSerializer())) {
                    while (it.hasNext()) {
                        KeyValue<String, byte[]> kv = it.next();
                        result.add(new AbstractMap.SimpleImmutableEntry<>(
                                kv.key.substring(prefix.length()), itemBytes.decode(kv.value)));
                    }
                }
                return result;
            }
        }

        /** One user's seen event ids: keys {@code user \0 event_id}. */
        private final class Seen implements SeenEvents {
            private final String prefix;

            Seen(String userId) {
                this.prefix = userId + SEP;
            }

            @Override
            public boolean contains(String eventId) {
                return seenStore.get(prefix + eventId) != null;
            }

            @Override
            public void add(String eventId, long eventTime) {
                seenStore.put(prefix + eventId, eventTime);
            }

            @Override
            public void removeOlderThan(long eventTime) {
                List<String> old = new ArrayList<>();
                try (KeyValueIterator<String, Long> it = seenStore.prefixScan(prefix, new StringSerializer())) {
                    while (it.hasNext()) {
                        KeyValue<String, Long> kv = it.next();
                        if (kv.value < eventTime) {
                            old.add(kv.key);
                        }
                    }
                }
                old.forEach(seenStore::delete);
            }
        }
    }
}
