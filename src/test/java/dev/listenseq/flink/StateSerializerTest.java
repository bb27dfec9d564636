package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.QueuedItem;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.sequence.MemoryStores;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.SequenceUpdater;
import dev.listenseq.sequence.Weighting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/** The hand-written state serializers: Flink's AvroSerializer bytes, deep copies, and restore of Avro-era savepoints. */
class StateSerializerTest {

    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;
    private static final String[] NAMES = {"", "s", "song-000123", "chanson-été", "曲-42", "emoji-\uD83C\uDFB5"};

    static Stream<StateBackend> backends() {
        return Stream.of(new EmbeddedRocksDBStateBackend(), new HashMapStateBackend());
    }

    @Test
    void writesTheBytesOfFlinksAvroSerializerAndReadsThemBack() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 500; i++) {
            assertSameAsAvro(randomUser(random), new UserStateSerializer(), new AvroSerializer<>(UserState.class));
            assertSameAsAvro(randomItem(random), new ItemStateSerializer(), new AvroSerializer<>(ItemState.class));
        }
    }

    @Test
    void copiesShareNoMutableParts() {
        UserState user = randomUser(new SplittableRandom(1));
        user.getRecent().add(new RecentEvent("s", ListenType.PLAY, Instant.ofEpochMilli(T0), 0.5));
        UserState copy = new UserStateSerializer().copy(user);
        assertEquals(user, copy);
        assertNotSame(user.getRecent(), copy.getRecent());
        copy.getRecent().clear();
        copy.setVersion(user.getVersion() + 1);
        assertEquals(false, user.getRecent().isEmpty(), "changing the copy left the original alone");
    }

    private static <T> void assertSameAsAvro(T record, TypeSerializer<T> ours, TypeSerializer<T> avro) throws IOException {
        byte[] ourBytes = bytes(record, ours);
        byte[] avroBytes = bytes(record, avro);
        assertArrayEquals(avroBytes, ourBytes, () -> "bytes differ for " + record);
        assertEquals(record, ours.deserialize(new DataInputDeserializer(avroBytes)));
        assertEquals(record, avro.deserialize(new DataInputDeserializer(ourBytes)));
        DataOutputSerializer copied = new DataOutputSerializer(64);
        ours.copy(new DataInputDeserializer(ourBytes), copied);
        assertArrayEquals(ourBytes, copied.getCopyOfBuffer());
    }

    private static <T> byte[] bytes(T record, TypeSerializer<T> serializer) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(record, out);
        return out.getCopyOfBuffer();
    }

    /**
     * A savepoint taken while the state was written by Flink's AvroSerializer restores into the job:
     * the state is migrated, and the user's version, dedup ids and items carry on.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void restoresStateWrittenByTheAvroSerializer(StateBackend backend) throws Exception {
        SequencePolicy policy = new SequencePolicy(3, 90 * DAY, 5, 90 * DAY);
        OperatorSubtaskState savepoint;
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AvroEraWriter(policy)), (KeyedRecord r) -> r.userId, Types.STRING)) {
            h.setStateBackend(backend);
            h.open();
            h.processElement(new StreamRecord<>(play("e1", "u", "s1", T0)));
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            savepoint = h.snapshot(1L, 1L);
        }
        SequenceFunction function = new SequenceFunction(policy, Weighting.defaults(), 0);
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(function), (KeyedRecord r) -> r.userId, Types.STRING)) {
            h.setStateBackend(backend);
            h.initializeState(savepoint);
            h.open();
            h.processElement(new StreamRecord<>(play("e2", "u", "s2", T0 + 1)));
            h.processElement(new StreamRecord<>(play("e3", "u", "s1", T0 + 2)));
            List<UserSequence> out = h.extractOutputValues().stream().map(r -> r.snapshot).toList();
            assertEquals(1, out.size(), "e2 was already applied before the upgrade");
            UserSequence last = out.get(0);
            assertEquals(3L, last.getVersion());
            assertEquals(List.of("s1", "s2"), last.getItems().stream().map(i -> i.getSongId()).toList());
            assertEquals(2, last.getItems().get(0).getPlays());
            assertEquals(3, last.getRecent().size());
        }
    }

    /** The keyed function's state as it was declared before the hand-written serializers: Avro types. */
    private static final class AvroEraWriter extends KeyedProcessFunction<String, KeyedRecord, UserSequence> {
        private final SequencePolicy policy;
        private transient ValueState<UserState> user;
        private transient MapState<String, ItemState> items;
        private transient MapState<String, Long> seen;

        AvroEraWriter(SequencePolicy policy) {
            this.policy = policy;
        }

        @Override
        public void open(OpenContext context) {
            user = getRuntimeContext().getState(new ValueStateDescriptor<>("user", new AvroTypeInfo<>(UserState.class)));
            items = getRuntimeContext().getMapState(
                    new MapStateDescriptor<>("items", Types.STRING, new AvroTypeInfo<>(ItemState.class)));
            seen = getRuntimeContext().getMapState(new MapStateDescriptor<>("seen", Types.STRING, Types.LONG));
        }

        @Override
        public void processElement(KeyedRecord in, Context ctx, Collector<UserSequence> out) throws Exception {
            UserState u = user.value() == null ? SequenceUpdater.newUser() : user.value();
            MemoryStores.Items itemStore = new MemoryStores.Items();
            for (Map.Entry<String, ItemState> e : items.entries()) {
                itemStore.put(e.getKey(), e.getValue());
            }
            MemoryStores.Seen seenStore = new MemoryStores.Seen();
            for (Map.Entry<String, Long> e : seen.entries()) {
                seenStore.add(e.getKey(), e.getValue());
            }
            new SequenceUpdater(policy, Weighting.defaults()).apply(u, itemStore, seenStore,
                    SingleObjectCodec.of(ListenEvent.class).decode(in.record.value));
            user.update(u);
            for (Map.Entry<String, ItemState> e : itemStore.entries()) {
                items.put(e.getKey(), e.getValue());
            }
            for (String id : List.of("e1", "e2")) {
                if (seenStore.contains(id)) {
                    seen.put(id, T0);
                }
            }
        }
    }

    private long offset;

    private KeyedRecord play(String id, String user, String song, long time) {
        ListenEvent e = new ListenEvent(id, user, song, null, ListenType.PLAY, Instant.ofEpochMilli(time), 90_000L, 180_000L, null, null, null);
        return new KeyedRecord(user, new RawRecord("in", 0, offset++, time, user.getBytes(StandardCharsets.UTF_8),
                SingleObjectCodec.of(ListenEvent.class).encode(e)));
    }

    private static String name(SplittableRandom random) {
        return NAMES[random.nextInt(NAMES.length)] + (random.nextBoolean() ? "" : Integer.toString(random.nextInt()));
    }

    private static long someLong(SplittableRandom random) {
        switch (random.nextInt(4)) {
            case 0: return Long.MIN_VALUE;
            case 1: return Long.MAX_VALUE;
            default: return random.nextLong();
        }
    }

    private static ListenType type(SplittableRandom random) {
        return ListenType.values()[random.nextInt(ListenType.values().length)];
    }

    private static UserState randomUser(SplittableRandom random) {
        // Up to 200 entries, so array counts take more than one byte.
        List<RecentEvent> recent = new ArrayList<>();
        for (int i = random.nextInt(random.nextBoolean() ? 3 : 200); i > 0; i--) {
            recent.add(new RecentEvent(name(random), type(random), Instant.ofEpochMilli(random.nextLong(-1L << 50, 1L << 50)),
                    random.nextBoolean() ? null : random.nextDouble()));
        }
        List<QueuedItem> queue = new ArrayList<>();
        for (int i = random.nextInt(random.nextBoolean() ? 3 : 200); i > 0; i--) {
            queue.add(new QueuedItem(name(random), someLong(random)));
        }
        return new UserState(someLong(random), someLong(random), random.nextInt(), recent, queue, someLong(random),
                name(random), someLong(random), someLong(random), someLong(random), someLong(random), someLong(random),
                random.nextInt(2), random.nextInt(), someLong(random), someLong(random), someLong(random));
    }

    private static ItemState randomItem(SplittableRandom random) {
        return new ItemState(random.nextBoolean() ? null : name(random), someLong(random), someLong(random), name(random),
                type(random), random.nextInt(), random.nextInt(), random.nextBoolean() ? null : someLong(random),
                random.nextBoolean() ? null : someLong(random), someLong(random), random.nextDouble() * 1e6, -random.nextDouble(),
                someLong(random));
    }
}
