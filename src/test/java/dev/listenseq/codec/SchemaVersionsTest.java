package dev.listenseq.codec;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.PlaySource;
import dev.listenseq.avro.Platform;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every released wire schema in {@code schemas/} ships with the build and the generated classes are
 * the newest version of each (the build picks them, see src/build/NewestSchemas.java); ListenEvent
 * v1 and v2 writers decode to the same event.
 */
class SchemaVersionsTest {

    private static final Pattern VERSIONED = Pattern.compile("(\\w+)-v(\\d+)\\.avsc");
    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    @Test
    void everyReleasedVersionIsBundledAndTheGeneratedClassIsTheNewest() throws Exception {
        Map<String, TreeMap<Integer, Schema>> released = new TreeMap<>();
        try (Stream<Path> files = Files.list(Path.of("schemas"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Matcher m = VERSIONED.matcher(file.getFileName().toString());
                if (m.matches()) {
                    released.computeIfAbsent(m.group(1), n -> new TreeMap<>())
                            .put(Integer.parseInt(m.group(2)), new Schema.Parser().parse(file.toFile()));
                }
            }
        }
        assertTrue(released.keySet().containsAll(List.of("ListenEvent", "UserSequence", "DeadLetter")), released.keySet().toString());
        for (Map.Entry<String, TreeMap<Integer, Schema>> e : released.entrySet()) {
            Schema newest = e.getValue().lastEntry().getValue();
            List<Schema> bundled = SchemaCatalog.bundled(e.getKey()).versions(newest.getFullName());
            assertEquals(List.copyOf(e.getValue().values()), bundled, e.getKey() + ": every version ships, oldest first");
            Schema generated = SpecificData.get().getSchema(Class.forName(newest.getFullName()));
            assertEquals(SchemaNormalization.parsingFingerprint64(newest), SchemaNormalization.parsingFingerprint64(generated),
                    e.getKey() + ": the generated class is v" + e.getValue().lastKey());
        }
    }

    @Test
    void aV1AndAV2EncodingOfTheSameEventDecodeAlike() throws Exception {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        ListenEvent event = event(null, null);

        ListenEvent fromV1 = codec.decode(encodeAs(released(1), event));
        ListenEvent fromV2 = codec.decode(codec.encode(event));

        assertEquals(event, fromV1);
        assertEquals(fromV1, fromV2);
        assertNull(fromV1.getPlaySource());
        assertNull(fromV1.getPlatform());
    }

    @Test
    void v2FieldsRoundTrip() throws Exception {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        ListenEvent event = event(PlaySource.DAILY_MIX, Platform.ANDROID);

        assertEquals(event, codec.decode(codec.encode(event)));
    }

    @Test
    void aNewerWritersPlaySourceResolvesToUnknown() throws Exception {
        Schema v3 = new Schema.Parser().parse(Files.readString(Path.of("schemas/ListenEvent-v2.avsc"))
                .replace("\"SHARED_LINK\", \"UNKNOWN\"", "\"SHARED_LINK\", \"PODCAST_FEED\", \"UNKNOWN\""));
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class,
                SchemaCatalog.of(List.of(released(1), released(2), v3)));
        GenericRecord record = generic(v3, event(null, Platform.WEB));
        Schema sourceEnum = v3.getField("play_source").schema().getTypes().get(1);
        record.put("play_source", new GenericData.EnumSymbol(sourceEnum, "PODCAST_FEED"));

        ListenEvent decoded = codec.decode(message(v3, record));

        assertEquals(PlaySource.UNKNOWN, decoded.getPlaySource());
        assertEquals(Platform.WEB, decoded.getPlatform());
    }

    /** What a job built before v2 does with a v2 record: an unknown schema (a dead letter), not a guess. */
    @Test
    void aJobThatKnowsOnlyV1FindsV2AnUnknownSchema() throws Exception {
        SingleObjectCodec<ListenEvent> oldJob = SingleObjectCodec.asOlderBuild(ListenEvent.class, released(1),
                SchemaCatalog.of(List.of(released(1))));
        ListenEvent event = event(PlaySource.RADIO, Platform.IOS);

        assertEquals(event.getEventId(), oldJob.decode(encodeAs(released(1), event)).getEventId());
        DecodeException e = assertThrows(DecodeException.class,
                () -> oldJob.decode(SingleObjectCodec.of(ListenEvent.class).encode(event)));
        assertEquals(DecodeException.Kind.UNKNOWN_SCHEMA, e.kind());
        assertTrue(e.getMessage().contains("is not a released version of dev.listenseq.avro.ListenEvent"), e.getMessage());
    }

    private static ListenEvent event(PlaySource source, Platform platform) {
        return ListenEvent.newBuilder().setEventId("e-1").setUserId("u-1").setSongId("s-1").setArtistId("a-1")
                .setType(ListenType.PLAY).setEventTime(T0).setPlayedMs(90_000L).setDurationMs(180_000L)
                .setContext("radio").setPlaySource(source).setPlatform(platform).build();
    }

    private static Schema released(int version) throws IOException {
        return new Schema.Parser().parse(Path.of("schemas/ListenEvent-v" + version + ".avsc").toFile());
    }

    /** The event as a producer on an older (or newer) schema writes it: fields it does not have are dropped. */
    private static byte[] encodeAs(Schema writer, ListenEvent event) throws IOException {
        return message(writer, generic(writer, event));
    }

    private static GenericRecord generic(Schema writer, ListenEvent event) {
        GenericData.Record record = new GenericData.Record(writer);
        for (Schema.Field field : writer.getFields()) {
            Object value = event.get(field.name());
            if (value instanceof Enum<?> symbol) {
                Schema enumSchema = field.schema().getType() == Schema.Type.UNION
                        ? field.schema().getTypes().get(1) : field.schema();
                value = new GenericData.EnumSymbol(enumSchema, symbol.name());
            } else if (value instanceof Instant time) {
                value = time.toEpochMilli();
            }
            record.put(field.name(), value);
        }
        return record;
    }

    private static byte[] message(Schema writer, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(SingleObjectCodec.header(SchemaNormalization.parsingFingerprint64(writer)));
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
