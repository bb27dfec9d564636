package dev.listenseq.kstreams;

import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.StateCodec;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

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
    private final Output buffer = new Output();
    private final DataOutputStream out = new DataOutputStream(buffer);
    private final Input source = new Input();
    private final DataInputStream in = new DataInputStream(source);

    private StateBytes(Writer<T> writer, Reader<T> reader) {
        this.writer = writer;
        this.reader = reader;
    }

    byte[] encode(T record) {
        buffer.size = 0;
        try {
            writer.write(record, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Arrays.copyOf(buffer.bytes, buffer.size);
    }

    T decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            source.bytes = bytes;
            source.pos = 0;
            return reader.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("state record does not decode", e);
        }
    }

    /**
     * ByteArrayOutputStream and ByteArrayInputStream lock on every call, and DataOutputStream
     * writes an int as four calls: these two do not lock (one instance per processor thread).
     */
    private static final class Output extends OutputStream {
        byte[] bytes = new byte[256];
        int size;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }
    }

    private static final class Input extends InputStream {
        byte[] bytes;
        int pos;

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int n = Math.min(len, bytes.length - pos);
            if (n <= 0) {
                return -1;
            }
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
