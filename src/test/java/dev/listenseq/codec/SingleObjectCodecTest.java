package dev.listenseq.codec;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class SingleObjectCodecTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00.123Z");

    // --- fixtures ----------------------------------------------------------------------------

    private static ListenEvent listenEvent() {
        return ListenEvent.newBuilder()
                .setEventId("e-1")
                .setUserId("user-ä")
                .setSongId("song-42")
                .setArtistId("artist-7")
                .setType(ListenType.SKIP)
                .setEventTime(T0)
                .setPlayedMs(31_000L)
                .setDurationMs(215_000L)
                .setContext("daily-mix")
                .build();
    }

    private static ListenEvent minimalListenEvent() {
        return ListenEvent.newBuilder()
                .setEventId("e-2").setUserId("u").setSongId("s").setType(ListenType.LIKE).setEventTime(T0)
                .build();
    }

    private static SequenceItem item(String song, ListenType lastType, double weight) {
        return SequenceItem.newBuilder()
                .setSongId(song)
                .setArtistId(song.equals("s2") ? null : "a-" + song)
                .setFirstTime(T0.minusSeconds(3600))
                .setLastTime(T0)
                .setLastType(lastType)
                .setPlays(3)
                .setSkips(1)
                .setLiked(true)
                .setCollected(false)
                .setListenedMs(600_000L)
                .setWeight(weight)
                .build();
    }

    private static UserSequence userSequence() {
        return UserSequence.newBuilder()
                .setUserId("user-1")
                .setVersion(17)
                .setAsOf(T0)
                .setEmittedAt(T0.plusMillis(250))
                .setItems(List.of(item("s1", ListenType.PLAY, 2.75), item("s2", ListenType.COLLECT, -0.5)))
                .setRecent(List.of(
                        RecentEvent.newBuilder().setSongId("s1").setType(ListenType.PLAY)
                                .setEventTime(T0).setCompletion(0.8).build(),
                        RecentEvent.newBuilder().setSongId("s2").setType(ListenType.COLLECT)
                                .setEventTime(T0.minusSeconds(10)).setCompletion(null).build()))
                .build();
    }

    private static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setReason(DeadLetterReason.INVALID_DURATION)
                .setDetail("duration_ms is -5; it must be positive")
                .setSourceTopic("listen-events")
                .setSourcePartition(3)
                .setSourceOffset(1_234_567_890_123L)
                .setSourceTimestamp(T0)
                .setKey(ByteBuffer.wrap("user-1".getBytes(StandardCharsets.UTF_8)))
                .setValue(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 0, (byte) 0xFF}))
                .setDeadLetteredAt(T0.plusSeconds(1))
                .build();
    }

    private static Schema released(String name, int version) {
        String path = "schemas/" + name + "-v" + version + ".avsc";
        try (InputStream in = SingleObjectCodecTest.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new AssertionError("not on the classpath: " + path);
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest released version of a wire schema: the one this build writes. */
    private static Schema newestReleased(String name) {
        List<Schema> versions = SchemaCatalog.bundled(name).versions("dev.listenseq.avro." + name);
        return versions.get(versions.size() - 1);
    }

    /** ListenEvent as a hypothetical other release: no context, an extra field, an extra enum symbol. */
    private static final Schema LISTEN_EVENT_OTHER = new Schema.Parser().parse("""
            {"type": "record", "name": "ListenEvent", "namespace": "dev.listenseq.avro", "fields": [
              {"name": "event_id", "type": "string"},
              {"name": "user_id", "type": "string"},
              {"name": "song_id", "type": "string"},
              {"name": "artist_id", "type": ["null", "string"], "default": null},
              {"name": "type", "type": {"type": "enum", "name": "ListenType",
                "symbols": ["PLAY", "SKIP", "LIKE", "COLLECT", "UNKNOWN", "REPLAY"], "default": "UNKNOWN"}},
              {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "played_ms", "type": ["null", "long"], "default": null},
              {"name": "duration_ms", "type": ["null", "long"], "default": null},
              {"name": "device", "type": "string", "default": "unknown"}
            ]}""");

    private static byte[] header(long fingerprint) {
        return ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Avro's zig-zag varint encoding of a long. */
    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        return out.toByteArray();
    }

    private static byte[] avroString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return concat(varint(utf8.length), utf8);
    }

    private static byte[] genericBody(Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static <T extends SpecificRecord> byte[] specificBody(Schema schema, T record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<T>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static DecodeException decodeFails(SingleObjectCodec<?> codec, byte[] message) {
        return assertThrows(DecodeException.class, () -> codec.decode(message));
    }

    private static long allocatedByThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    // --- round trips -------------------------------------------------------------------------

    @Test
    void listenEventRoundTrips() throws DecodeException {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);

        assertEquals(listenEvent(), codec.decode(codec.encode(listenEvent())));
        ListenEvent minimal = codec.decode(codec.encode(minimalListenEvent()));
        assertEquals(minimalListenEvent(), minimal);
        assertNull(minimal.getArtistId());
        assertNull(minimal.getPlayedMs());
        assertNull(minimal.getContext());
        assertEquals(listenEvent(), codec.decodeAccepted(codec.encode(listenEvent())), "the second decode in the job");
        assertEquals(minimalListenEvent(), codec.decodeAccepted(codec.encode(minimalListenEvent())));
    }

    @Test
    void userSequenceWithItemsAndRecentEventsRoundTrips() throws DecodeException {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);

        UserSequence decoded = codec.decode(codec.encode(userSequence()));

        assertEquals(userSequence(), decoded);
        assertEquals(2, decoded.getItems().size());
        assertEquals(-0.5, decoded.getItems().get(1).getWeight());
        assertNull(decoded.getRecent().get(1).getCompletion());
    }

    @Test
    void emptyUserSequenceRoundTrips() throws DecodeException {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        UserSequence empty = UserSequence.newBuilder(userSequence()).setItems(List.of()).setRecent(List.of()).build();

        assertEquals(empty, codec.decode(codec.encode(empty)));
    }

    @Test
    void deadLetterRoundTrips() throws DecodeException {
        SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.of(DeadLetter.class);

        DeadLetter decoded = codec.decode(codec.encode(deadLetter()));

        assertEquals(deadLetter(), decoded);
        assertEquals(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 0, (byte) 0xFF}), decoded.getValue());
    }

    @Test
    void encodingReusesItsBufferWithoutMixingMessages() throws DecodeException {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);

        byte[] first = codec.encode(listenEvent());
        byte[] firstCopy = first.clone();
        byte[] second = codec.encode(minimalListenEvent());

        assertArrayEquals(firstCopy, first);
        assertTrue(second.length < first.length);
        assertArrayEquals(SingleObjectCodec.of(ListenEvent.class).encode(minimalListenEvent()), second);
        assertEquals(listenEvent(), codec.decode(first));
        assertEquals(minimalListenEvent(), codec.decode(second));
    }

    // --- wire format and interoperability ----------------------------------------------------

    @Test
    void encodedBytesStartWithMagicAndLittleEndianFingerprint() {
        Schema current = newestReleased("ListenEvent");
        byte[] message = SingleObjectCodec.of(ListenEvent.class).encode(listenEvent());

        assertEquals((byte) 0xC3, message[0]);
        assertEquals((byte) 0x01, message[1]);
        long fp = fingerprint(current);
        for (int i = 0; i < 8; i++) {
            assertEquals((byte) (fp >>> (8 * i)), message[2 + i], "fingerprint byte " + i);
        }
        assertArrayEquals(header(fp), Arrays.copyOf(message, 10));
    }

    @Test
    void avroMessageDecoderReadsOurListenEvents() throws IOException {
        Schema current = newestReleased("ListenEvent");
        byte[] message = SingleObjectCodec.of(ListenEvent.class).encode(listenEvent());

        GenericRecord r = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), current).decode(message);

        assertEquals("e-1", r.get("event_id").toString());
        assertEquals("user-ä", r.get("user_id").toString());
        assertEquals("song-42", r.get("song_id").toString());
        assertEquals("artist-7", r.get("artist_id").toString());
        assertEquals("SKIP", r.get("type").toString());
        assertEquals(T0.toEpochMilli(), r.get("event_time"));
        assertEquals(31_000L, r.get("played_ms"));
        assertEquals(215_000L, r.get("duration_ms"));
        assertEquals("daily-mix", r.get("context").toString());
    }

    @Test
    void avroMessageDecoderReadsOurUserSequencesAndDeadLetters() throws IOException {
        GenericRecord seq = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), released("UserSequence", 2))
                .decode(SingleObjectCodec.of(UserSequence.class).encode(userSequence()));
        // A reader written against DeadLetter-v1 reads v2 dead letters once it knows the v2 writer schema.
        BinaryMessageDecoder<GenericRecord> v1Reader = new BinaryMessageDecoder<>(GenericData.get(), released("DeadLetter", 1));
        v1Reader.addSchema(released("DeadLetter", 2));
        GenericRecord dl = v1Reader.decode(SingleObjectCodec.of(DeadLetter.class).encode(deadLetter()));

        assertEquals("user-1", seq.get("user_id").toString());
        assertEquals(17L, seq.get("version"));
        List<?> items = (List<?>) seq.get("items");
        assertEquals(2, items.size());
        assertEquals("s2", ((GenericRecord) items.get(1)).get("song_id").toString());
        assertEquals("COLLECT", ((GenericRecord) items.get(1)).get("last_type").toString());
        assertEquals(2.75, ((GenericRecord) items.get(0)).get("weight"));
        List<?> recent = (List<?>) seq.get("recent");
        assertEquals(0.8, ((GenericRecord) recent.get(0)).get("completion"));

        assertEquals("INVALID_DURATION", dl.get("reason").toString());
        assertEquals(3, dl.get("source_partition"));
        assertEquals(ByteBuffer.wrap("user-1".getBytes(StandardCharsets.UTF_8)), dl.get("key"));
    }

    @Test
    void bytesAreIdenticalToAvrosOwnMessageEncoder() throws IOException {
        byte[] ours = SingleObjectCodec.of(ListenEvent.class).encode(listenEvent());
        ByteBuffer theirs = ListenEvent.getEncoder().encode(listenEvent());

        byte[] theirBytes = new byte[theirs.remaining()];
        theirs.get(theirBytes);
        assertArrayEquals(theirBytes, ours);
    }

    @Test
    void decodesWhatAvrosGenericMessageEncoderWrites() throws IOException, DecodeException {
        Schema v1 = released("ListenEvent", 1);
        GenericRecord record = new GenericRecordBuilder(v1)
                .set("event_id", "e-9").set("user_id", "u-9").set("song_id", "s-9")
                .set("type", new GenericData.EnumSymbol(v1.getField("type").schema(), "COLLECT"))
                .set("event_time", T0.toEpochMilli())
                .set("context", "radio")
                .build();
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(record);
        byte[] message = new byte[encoded.remaining()];
        encoded.get(message);

        ListenEvent decoded = SingleObjectCodec.of(ListenEvent.class).decode(message);

        assertEquals(ListenEvent.newBuilder().setEventId("e-9").setUserId("u-9").setSongId("s-9")
                .setType(ListenType.COLLECT).setEventTime(T0).setContext("radio").build(), decoded);
    }

    // --- schema resolution -------------------------------------------------------------------

    private static GenericRecord otherVersionEvent(String type) {
        return new GenericRecordBuilder(LISTEN_EVENT_OTHER)
                .set("event_id", "e-old").set("user_id", "u-old").set("song_id", "s-old")
                .set("artist_id", "a-old")
                .set("type", new GenericData.EnumSymbol(LISTEN_EVENT_OTHER.getField("type").schema(), type))
                .set("event_time", T0.toEpochMilli())
                .set("played_ms", 1_000L)
                .set("device", "car")
                .build();
    }

    @Test
    void resolvesAnotherWriterVersionByFingerprint() throws IOException, DecodeException {
        Schema v1 = released("ListenEvent", 1);
        assertNotEquals(fingerprint(v1), fingerprint(LISTEN_EVENT_OTHER));
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class,
                SchemaCatalog.of(List.of(v1, newestReleased("ListenEvent"), LISTEN_EVENT_OTHER)));
        byte[] message = concat(header(fingerprint(LISTEN_EVENT_OTHER)),
                genericBody(LISTEN_EVENT_OTHER, otherVersionEvent("PLAY")));

        ListenEvent decoded = codec.decode(message);

        assertEquals(ListenEvent.newBuilder().setEventId("e-old").setUserId("u-old").setSongId("s-old")
                .setArtistId("a-old").setType(ListenType.PLAY).setEventTime(T0).setPlayedMs(1_000L)
                .setDurationMs(null).setContext(null).build(), decoded);
        assertNull(decoded.getContext());
    }

    @Test
    void unknownEnumSymbolOfAnotherWriterResolvesToTheDefault() throws IOException, DecodeException {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class,
                SchemaCatalog.of(List.of(released("ListenEvent", 1), newestReleased("ListenEvent"), LISTEN_EVENT_OTHER)));
        byte[] message = concat(header(fingerprint(LISTEN_EVENT_OTHER)),
                genericBody(LISTEN_EVENT_OTHER, otherVersionEvent("REPLAY")));

        ListenEvent decoded = codec.decode(message);

        assertEquals(ListenType.UNKNOWN, decoded.getType());
        assertEquals("e-old", decoded.getEventId());
    }

    @Test
    void anotherWriterVersionOutsideTheCatalogueIsUnknown() throws IOException {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        byte[] message = concat(header(fingerprint(LISTEN_EVENT_OTHER)),
                genericBody(LISTEN_EVENT_OTHER, otherVersionEvent("PLAY")));

        DecodeException e = decodeFails(codec, message);

        assertEquals(DecodeException.Kind.UNKNOWN_SCHEMA, e.kind());
    }

    // --- failures ----------------------------------------------------------------------------

    @Test
    void nullIsUndecodable() {
        DecodeException e = decodeFails(SingleObjectCodec.of(ListenEvent.class), null);

        assertEquals(DecodeException.Kind.UNDECODABLE, e.kind());
        assertTrue(e.getMessage().startsWith("message is null"), e.getMessage());
    }

    @Test
    void messagesShorterThanTheHeaderAreUndecodable() {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        byte[] valid = codec.encode(listenEvent());

        for (int length = 0; length < 10; length++) {
            DecodeException e = decodeFails(codec, Arrays.copyOf(valid, length));
            assertEquals(DecodeException.Kind.UNDECODABLE, e.kind());
            assertTrue(e.getMessage().startsWith("message is " + length + " bytes"), e.getMessage());
        }
    }

    @Test
    void wrongMagicIsUndecodable() {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        byte[] wrongSecond = codec.encode(listenEvent());
        wrongSecond[1] = 0x02;
        byte[] plainAvro = new byte[20];
        plainAvro[0] = 0x06;

        DecodeException e = decodeFails(codec, wrongSecond);
        assertEquals(DecodeException.Kind.UNDECODABLE, e.kind());
        assertEquals("header is C3 02; single-object encoding starts with C3 01", e.getMessage());
        assertEquals(DecodeException.Kind.UNDECODABLE, decodeFails(codec, plainAvro).kind());
    }

    @Test
    void unknownFingerprintListsTheKnownOnes() {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        long known = fingerprint(ListenEvent.getClassSchema());
        byte[] message = codec.encode(listenEvent());
        System.arraycopy(header(known ^ 1), 0, message, 0, 10);

        DecodeException e = decodeFails(codec, message);

        assertEquals(DecodeException.Kind.UNKNOWN_SCHEMA, e.kind());
        assertTrue(e.getMessage().startsWith(String.format(
                "fingerprint %016X is not a released version of dev.listenseq.avro.ListenEvent (known: ", known ^ 1)),
                e.getMessage());
        for (Schema version : SchemaCatalog.bundled("ListenEvent").versions("dev.listenseq.avro.ListenEvent")) {
            assertTrue(e.getMessage().contains(String.format("%016X", fingerprint(version))), e.getMessage());
        }
    }

    @Test
    void anotherRecordTypeIsAnUnknownSchema() {
        byte[] sequence = SingleObjectCodec.of(UserSequence.class).encode(userSequence());

        DecodeException e = decodeFails(SingleObjectCodec.of(ListenEvent.class), sequence);

        assertEquals(DecodeException.Kind.UNKNOWN_SCHEMA, e.kind());
    }

    @Test
    void everyTruncationIsUndecodable() {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        byte[] valid = codec.encode(userSequence());

        for (int length = 10; length < valid.length; length++) {
            DecodeException e = decodeFails(codec, Arrays.copyOf(valid, length));
            assertEquals(DecodeException.Kind.UNDECODABLE, e.kind(), "truncated to " + length);
        }
    }

    @Test
    void trailingBytesAreUndecodable() {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        byte[] message = concat(codec.encode(listenEvent()), new byte[] {0});

        DecodeException e = decodeFails(codec, message);

        assertEquals(DecodeException.Kind.UNDECODABLE, e.kind());
        assertEquals("bytes remain after the record: the message is corrupt", e.getMessage());
    }

    @Test
    void hugeStringLengthIsUndecodableWithoutAllocating() throws DecodeException {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        codec.decode(codec.encode(listenEvent())); // load classes and build the reader first
        byte[] message = concat(header(fingerprint(ListenEvent.getClassSchema())),
                varint(2_000_000_000L), "abc".getBytes(StandardCharsets.US_ASCII));

        long before = allocatedByThisThread();
        DecodeException e = decodeFails(codec, message);
        long allocated = allocatedByThisThread() - before;

        assertEquals(DecodeException.Kind.UNDECODABLE, e.kind());
        assertTrue(allocated < 16 << 20, "decoding allocated " + allocated + " bytes");
    }

    @Test
    void negativeStringLengthIsUndecodable() {
        byte[] message = concat(header(fingerprint(ListenEvent.getClassSchema())), varint(-5), new byte[8]);

        assertEquals(DecodeException.Kind.UNDECODABLE,
                decodeFails(SingleObjectCodec.of(ListenEvent.class), message).kind());
    }

    /** A UserSequence body up to (not including) the items array. */
    private static byte[] userSequencePrefix() {
        return concat(avroString("user-1"), varint(17), varint(T0.toEpochMilli()),
                varint(T0.toEpochMilli() + 250));
    }

    @Test
    void hugeNegativeArrayBlockCountIsUndecodableWithoutAllocating() throws DecodeException {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        codec.decode(codec.encode(userSequence()));
        // An items block written as (-count, byte size, items): the count claims 2^30 items in 1 byte.
        byte[] message = concat(header(fingerprint(UserSequence.getClassSchema())), userSequencePrefix(),
                varint(-(1L << 30)), varint(1), new byte[] {0}, varint(0), varint(0));

        long before = allocatedByThisThread();
        DecodeException e = decodeFails(codec, message);
        long allocated = allocatedByThisThread() - before;

        assertEquals(DecodeException.Kind.UNDECODABLE, e.kind());
        assertTrue(allocated < 16 << 20, "decoding allocated " + allocated + " bytes");
    }

    @Test
    void arrayBlocksWrittenWithByteSizesStillDecode() throws IOException, DecodeException {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        UserSequence expected = userSequence();
        Schema itemSchema = SequenceItem.getClassSchema();
        byte[] item0 = specificBody(itemSchema, expected.getItems().get(0));
        byte[] item1 = specificBody(itemSchema, expected.getItems().get(1));
        byte[] recent = concat(varint(2),
                specificBody(RecentEvent.getClassSchema(), expected.getRecent().get(0)),
                specificBody(RecentEvent.getClassSchema(), expected.getRecent().get(1)),
                varint(0));
        // items as two blocks: one item with a byte size, one item without.
        byte[] message = concat(header(fingerprint(UserSequence.getClassSchema())), userSequencePrefix(),
                varint(-1), varint(item0.length), item0, varint(1), item1, varint(0), recent, varint(expected.getGeneration()));

        assertEquals(expected, codec.decode(message));
    }

    @Test
    void randomBodiesEitherDecodeOrFailWithDecodeException() {
        fuzzRandomBodies(SingleObjectCodec.of(ListenEvent.class), ListenEvent.getClassSchema(), 1);
        fuzzRandomBodies(SingleObjectCodec.of(UserSequence.class), UserSequence.getClassSchema(), 2);
        fuzzRandomBodies(SingleObjectCodec.of(DeadLetter.class), DeadLetter.getClassSchema(), 3);
    }

    private static void fuzzRandomBodies(SingleObjectCodec<?> codec, Schema schema, long seed) {
        byte[] header = header(fingerprint(schema));
        Random random = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            byte[] body = new byte[random.nextInt(80)];
            random.nextBytes(body);
            expectDecodeOrDecodeException(codec, concat(header, body));
        }
    }

    @Test
    void mutatedMessagesEitherDecodeOrFailWithDecodeException() {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        byte[] valid = codec.encode(userSequence());
        Random random = new Random(4);
        int decoded = 0;
        for (int i = 0; i < 2_000; i++) {
            byte[] mutated = valid.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                mutated[10 + random.nextInt(valid.length - 10)] = (byte) random.nextInt(256);
            }
            decoded += expectDecodeOrDecodeException(codec, mutated) ? 1 : 0;
        }
        // Both outcomes occur, so the loop exercises the decoder as well as its error paths.
        assertTrue(decoded > 0 && decoded < 2_000, decoded + " of 2000 mutated messages decoded");
    }

    /** True when the message decoded, false when it failed with an UNDECODABLE DecodeException. */
    private static boolean expectDecodeOrDecodeException(SingleObjectCodec<?> codec, byte[] message) {
        try {
            codec.decode(message);
            return true;
        } catch (DecodeException e) {
            assertEquals(DecodeException.Kind.UNDECODABLE, e.kind(), e.getMessage());
            return false;
        } catch (Throwable t) {
            return fail("decoding " + HexFormat.of().formatHex(message) + " threw " + t, t);
        }
    }

    // --- catalogue ---------------------------------------------------------------------------

    @Test
    void bundledCatalogueLoadsTheReleasedVersionsFromTheClasspath() {
        SchemaCatalog catalog = SchemaCatalog.bundled("ListenEvent");

        List<Schema> versions = catalog.versions("dev.listenseq.avro.ListenEvent");
        assertTrue(versions.size() >= 1);
        assertEquals(released("ListenEvent", 1), versions.get(0));
        assertTrue(catalog.byFingerprint("dev.listenseq.avro.ListenEvent").containsKey(fingerprint(versions.get(0))));
        assertEquals(List.of(), catalog.versions("dev.listenseq.avro.UserSequence"));
    }

    @Test
    void currentGeneratedSchemasAreReleasedVersions() {
        assertReleased(ListenEvent.getClassSchema());
        assertReleased(UserSequence.getClassSchema());
        assertReleased(DeadLetter.getClassSchema());
    }

    private static void assertReleased(Schema current) {
        SchemaCatalog catalog = SchemaCatalog.bundled(current.getName());
        assertTrue(catalog.byFingerprint(current.getFullName()).containsKey(fingerprint(current)),
                current.getFullName() + " was changed without releasing it as the next schemas/"
                        + current.getName() + "-vN.avsc");
    }

    @Test
    void aNameWithoutReleasedSchemaThrows() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SchemaCatalog.bundled("ListenEvent", "NoSuchRecord"));

        assertEquals("no released schema schemas/NoSuchRecord-v1.avsc on the classpath", e.getMessage());
    }

    @Test
    void explicitCatalogueGroupsVersionsByFullName() {
        Schema v1 = released("ListenEvent", 1);
        SchemaCatalog catalog = SchemaCatalog.of(List.of(v1, released("DeadLetter", 1), LISTEN_EVENT_OTHER));

        assertEquals(List.of(v1, LISTEN_EVENT_OTHER), catalog.versions("dev.listenseq.avro.ListenEvent"));
        assertEquals(2, catalog.byFingerprint("dev.listenseq.avro.ListenEvent").size());
        assertEquals(1, catalog.versions("dev.listenseq.avro.DeadLetter").size());
    }

    @Test
    void codecRefusesACatalogueWithoutTheCurrentSchema() {
        List<SchemaCatalog> catalogues = List.of(
                SchemaCatalog.of(List.of()),
                SchemaCatalog.of(List.of(LISTEN_EVENT_OTHER)),
                SchemaCatalog.of(List.of(released("UserSequence", 1), released("DeadLetter", 1))));

        for (SchemaCatalog catalog : catalogues) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SingleObjectCodec.of(ListenEvent.class, catalog));
            assertEquals("the current schema of dev.listenseq.avro.ListenEvent is not a released version in schemas/:"
                    + " release it as the next -vN.avsc file", e.getMessage());
        }
    }
}
