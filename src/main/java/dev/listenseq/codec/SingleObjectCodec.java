package dev.listenseq.codec;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Avro single-object encoding (the Avro spec's {@code C3 01}, then the writer schema's 8-byte
 * little-endian CRC-64-AVRO fingerprint, then the binary body) for one generated record type.
 *
 * <p>Encodes with the record's current schema; decodes any writer version the catalogue holds,
 * resolving it to the current schema (new fields take their defaults, unknown enum symbols their
 * default). Before decoding, the body is walked once by {@link #walk}, which allocates nothing and
 * visits every array and map item: a corrupt length prefix or item count then fails as
 * {@link DecodeException.Kind#UNDECODABLE} instead of asking Avro for a multi-gigabyte buffer.
 *
 * <p>Not thread-safe: it reuses buffers. Use one instance per thread (per operator instance).
 */
public final class SingleObjectCodec<T extends SpecificRecord> {

    static final byte MAGIC_0 = (byte) 0xC3;
    static final byte MAGIC_1 = (byte) 0x01;
    static final int HEADER_LENGTH = 10;

    private final Class<T> type;
    private final Schema readerSchema;
    private final SpecificData model;
    private final Map<Long, Schema> writers;
    private final Map<Long, SpecificDatumReader<T>> readers = new HashMap<>();
    private final SpecificDatumWriter<T> writer;
    private final byte[] header;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;
    private BinaryDecoder decoder;

    private SingleObjectCodec(Class<T> type, Schema readerSchema, SchemaCatalog catalog) {
        this.type = type;
        this.readerSchema = readerSchema;
        this.model = SpecificData.getForClass(type);
        this.writers = catalog.byFingerprint(readerSchema.getFullName());
        long fingerprint = SchemaNormalization.parsingFingerprint64(readerSchema);
        if (!writers.containsKey(fingerprint)) {
            throw new IllegalStateException("the current schema of " + readerSchema.getFullName()
                    + " is not a released version in schemas/: release it as the next -vN.avsc file");
        }
        this.writer = new SpecificDatumWriter<>(readerSchema, model);
        this.header = header(fingerprint);
    }

    /** A codec for a generated record class, with the versions bundled in this build. */
    public static <T extends SpecificRecord> SingleObjectCodec<T> of(Class<T> type) {
        return of(type, SchemaCatalog.bundled(type.getSimpleName()));
    }

    /** A codec for a generated record class, resolving writers from the given catalogue. */
    public static <T extends SpecificRecord> SingleObjectCodec<T> of(Class<T> type, SchemaCatalog catalog) {
        return new SingleObjectCodec<>(type, SpecificData.get().getSchema(type), catalog);
    }

    /**
     * A codec that decodes into {@code type} as an older build would, with {@code readerSchema} (a
     * released version whose fields are a prefix of the current ones) as its current schema: what a
     * job that does not know the newer versions in {@code catalog} does with them. For tests and tools.
     */
    static <T extends SpecificRecord> SingleObjectCodec<T> asOlderBuild(Class<T> type, Schema readerSchema,
                                                                        SchemaCatalog catalog) {
        return new SingleObjectCodec<>(type, readerSchema, catalog);
    }

    public byte[] encode(T record) {
        out.reset();
        out.write(header, 0, HEADER_LENGTH);
        encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
        return out.toByteArray();
    }

    public T decode(byte[] message) throws DecodeException {
        return decode(message, true);
    }

    /**
     * Decodes a message that {@link #decode} has already accepted (in this job, upstream), without
     * the {@link #walk} that guards against corrupt lengths: the same bytes cannot fail it twice.
     */
    public T decodeAccepted(byte[] message) throws DecodeException {
        return decode(message, false);
    }

    private T decode(byte[] message, boolean walkFirst) throws DecodeException {
        if (message == null || message.length < HEADER_LENGTH) {
            throw undecodable("message is " + (message == null ? "null" : message.length + " bytes")
                    + "; a single-object-encoded record has at least " + HEADER_LENGTH);
        }
        if (message[0] != MAGIC_0 || message[1] != MAGIC_1) {
            throw undecodable(String.format(
                    "header is %02X %02X; single-object encoding starts with C3 01", message[0], message[1]));
        }
        long fingerprint = fingerprint(message);
        Schema writerSchema = writers.get(fingerprint);
        if (writerSchema == null) {
            throw new DecodeException(DecodeException.Kind.UNKNOWN_SCHEMA, String.format(
                    "fingerprint %016X is not a released version of %s (known: %s)",
                    fingerprint, readerSchema.getFullName(), knownFingerprints()));
        }
        int bodyLength = message.length - HEADER_LENGTH;
        try {
            decoder = DecoderFactory.get().binaryDecoder(message, HEADER_LENGTH, bodyLength, decoder);
            if (walkFirst) {
                walk(writerSchema, decoder, bodyLength);
                if (!decoder.isEnd()) {
                    throw undecodable("bytes remain after the record: the message is corrupt");
                }
                decoder = DecoderFactory.get().binaryDecoder(message, HEADER_LENGTH, bodyLength, decoder);
            }
            return readerFor(fingerprint, writerSchema).read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw undecodable("body does not match writer schema " + String.format("%016X", fingerprint)
                    + " of " + readerSchema.getFullName() + ": " + e);
        }
    }

    /**
     * Reads past one value of the schema without allocating. Unlike {@code GenericDatumReader.skip},
     * a negatively counted array or map block (count, byte size, items) is not skipped by its byte
     * size: its items are walked one by one, so a corrupt count cannot reach the real read, which
     * allocates a collection of that size up front. A block claiming more items than the body has
     * bytes is rejected (every item of the wire schemas takes at least one byte).
     */
    private static void walk(Schema schema, BinaryDecoder in, int bodyLength) throws IOException {
        switch (schema.getType()) {
            case RECORD:
                for (Schema.Field field : schema.getFields()) {
                    walk(field.schema(), in, bodyLength);
                }
                break;
            case ARRAY:
                for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
                    checkCount(n, bodyLength);
                    for (long i = 0; i < n; i++) {
                        walk(schema.getElementType(), in, bodyLength);
                    }
                }
                break;
            case MAP:
                for (long n = in.readMapStart(); n != 0; n = in.mapNext()) {
                    checkCount(n, bodyLength);
                    for (long i = 0; i < n; i++) {
                        in.skipString();
                        walk(schema.getValueType(), in, bodyLength);
                    }
                }
                break;
            case UNION:
                int branch = in.readIndex();
                if (branch < 0 || branch >= schema.getTypes().size()) {
                    throw new IOException("union branch " + branch + " out of range");
                }
                walk(schema.getTypes().get(branch), in, bodyLength);
                break;
            case ENUM:
                in.readEnum();
                break;
            case FIXED:
                in.skipFixed(schema.getFixedSize());
                break;
            case STRING:
                in.skipString();
                break;
            case BYTES:
                in.skipBytes();
                break;
            case INT:
                in.readInt();
                break;
            case LONG:
                in.readLong();
                break;
            case FLOAT:
                in.readFloat();
                break;
            case DOUBLE:
                in.readDouble();
                break;
            case BOOLEAN:
                in.readBoolean();
                break;
            case NULL:
                in.readNull();
                break;
            default:
                throw new IOException("unsupported schema type " + schema.getType());
        }
    }

    private static void checkCount(long count, int bodyLength) throws IOException {
        if (count < 0 || count > bodyLength) {
            throw new IOException("a block claims " + count + " items in a body of " + bodyLength + " bytes");
        }
    }

    private SpecificDatumReader<T> readerFor(long fingerprint, Schema writerSchema) {
        return readers.computeIfAbsent(
                fingerprint, f -> new SpecificDatumReader<>(writerSchema, readerSchema, model));
    }

    private String knownFingerprints() {
        StringBuilder known = new StringBuilder();
        for (Long f : writers.keySet()) {
            known.append(known.length() == 0 ? "" : ", ").append(String.format("%016X", f));
        }
        return known.toString();
    }

    private static DecodeException undecodable(String message) {
        return new DecodeException(DecodeException.Kind.UNDECODABLE, message);
    }

    static byte[] header(long fingerprint) {
        byte[] header = new byte[HEADER_LENGTH];
        header[0] = MAGIC_0;
        header[1] = MAGIC_1;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
        return header;
    }

    static long fingerprint(byte[] message) {
        long fingerprint = 0;
        for (int i = 0; i < 8; i++) {
            fingerprint |= (message[2 + i] & 0xFFL) << (8 * i);
        }
        return fingerprint;
    }
}
