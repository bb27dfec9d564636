package dev.listenseq.codec;

import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import org.apache.avro.SchemaNormalization;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a {@link UserSequence} snapshot in Avro single-object encoding, byte for byte what
 * {@link SingleObjectCodec} writes for the current schema, without Avro's generic writer: a
 * snapshot is the whole sequence and is written on every emission, and the generic writer's
 * per-field dispatch and logical-type conversions were the largest single cost of the job (JFR).
 * The field order below is the order of {@code schemas/UserSequence-v2.avsc}; a test compares the
 * bytes with Avro's on random snapshots, so a schema change that this class misses fails it.
 *
 * <p>Not thread-safe: it reuses its buffer. One instance per thread (per operator instance).
 */
public final class UserSequenceEncoder {

    private final byte[] header = new byte[SingleObjectCodec.HEADER_LENGTH];
    private byte[] buf = new byte[4096];
    private int pos;

    public UserSequenceEncoder() {
        // Fails like SingleObjectCodec when the current schema is not a released version.
        SingleObjectCodec.of(UserSequence.class);
        long fingerprint = SchemaNormalization.parsingFingerprint64(UserSequence.getClassSchema());
        header[0] = SingleObjectCodec.MAGIC_0;
        header[1] = SingleObjectCodec.MAGIC_1;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
    }

    public byte[] encode(UserSequence s) {
        pos = 0;
        ensure(header.length);
        System.arraycopy(header, 0, buf, 0, header.length);
        pos = header.length;
        writeString(s.getUserId());
        writeLong(s.getVersion());
        writeLong(s.getAsOf().toEpochMilli());
        writeLong(s.getEmittedAt().toEpochMilli());
        List<SequenceItem> items = s.getItems();
        if (!items.isEmpty()) {
            writeLong(items.size());
            for (SequenceItem item : items) {
                writeString(item.getSongId());
                String artist = item.getArtistId();
                if (artist == null) {
                    writeLong(0);
                } else {
                    writeLong(1);
                    writeString(artist);
                }
                writeLong(item.getFirstTime().toEpochMilli());
                writeLong(item.getLastTime().toEpochMilli());
                writeLong(item.getLastType().ordinal());
                writeLong(item.getPlays());
                writeLong(item.getSkips());
                writeBoolean(item.getLiked());
                writeBoolean(item.getCollected());
                writeLong(item.getListenedMs());
                writeDouble(item.getWeight());
            }
        }
        writeLong(0);
        List<RecentEvent> recent = s.getRecent();
        if (!recent.isEmpty()) {
            writeLong(recent.size());
            for (RecentEvent e : recent) {
                writeString(e.getSongId());
                writeLong(e.getType().ordinal());
                writeLong(e.getEventTime().toEpochMilli());
                Double completion = e.getCompletion();
                if (completion == null) {
                    writeLong(0);
                } else {
                    writeLong(1);
                    writeDouble(completion);
                }
            }
        }
        writeLong(0);
        writeLong(s.getGeneration());
        return Arrays.copyOf(buf, pos);
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }

    /** Avro long and int: zig-zag, then base-128 varint. */
    private void writeLong(long value) {
        ensure(10);
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        buf[pos++] = (byte) n;
    }

    private void writeBoolean(boolean value) {
        ensure(1);
        buf[pos++] = (byte) (value ? 1 : 0);
    }

    private void writeDouble(double value) {
        ensure(8);
        long bits = Double.doubleToRawLongBits(value);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) (bits >>> (8 * i));
        }
    }

    private void writeString(String s) {
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (ascii) {
            writeLong(n);
            ensure(n);
            for (int i = 0; i < n; i++) {
                buf[pos++] = (byte) s.charAt(i);
            }
        } else {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            writeLong(utf8.length);
            ensure(utf8.length);
            System.arraycopy(utf8, 0, buf, pos, utf8.length);
            pos += utf8.length;
        }
    }
}
