package dev.listenseq.kstreams;

import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.StateCodec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The bytes of one state record type for the Kafka Streams stores, written by the same
 * {@link StateCodec} the Flink job's state serializers use, so the two compare framework against
 * framework, not one encoder against another. Not thread-safe: one instance per processor.
 */
final class StateBytes<T> {

    interface Writer<T> {
        void write(T record, DataOutput out) throws IOException;
    }

    interface Reader<T> {
        T read(DataInput in) throws IOException;
    }

    static StateBytes<UserState> users() {
        return new StateBytes<>(StateCodec::writeUser, StateCodec::readUser);
    }

    static StateBytes<ItemState> items() {
        return new StateBytes<>(StateCodec::writeItem, StateCodec::readItem);
    }

    private final Writer<T> writer;
    private final Reader<T> reader;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private final DataOutputStream out = new DataOutputStream(buffer);

    private StateBytes(Writer<T> writer, Reader<T> reader) {
        this.writer = writer;
        this.reader = reader;
    }

    byte[] encode(T record) {
        buffer.reset();
        try {
            writer.write(record, out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    T decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return reader.read(new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw new UncheckedIOException("state record does not decode", e);
        }
    }
}
