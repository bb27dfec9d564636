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
 * <p>{@link #encode(UserSequence, int)} keeps a snapshot under a size limit by dropping the
 * lowest-ranked items (the end of the most-recent-first list), then, only if no item is left, the
 * oldest recent events: the rest of the snapshot is unchanged, and the bytes are exactly Avro's for
 * the shortened lists.
 *
 * <p>Not thread-safe: it reuses its buffers. One instance per thread (per operator instance).
 */
public final class UserSequenceEncoder {

    private final byte[] header = new byte[SingleObjectCodec.HEADER_LENGTH];
    private byte[] buf = new byte[4096];
    private int pos;
    /** End offsets in buf of each item and each recent event written by the last encode. */
    private int[] itemEnds = new int[256];
    private int[] recentEnds = new int[32];
    private int itemsDropped;
    private int recentDropped;

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
        return encode(s, Integer.MAX_VALUE);
    }

    /**
     * The snapshot's bytes, at most {@code maxBytes} long when the items and recent events can be
     * dropped far enough; {@link #itemsDropped()} and {@link #recentDropped()} say how many were.
     */
    public byte[] encode(UserSequence s, int maxBytes) {
        itemsDropped = 0;
        recentDropped = 0;
        pos = 0;
        ensure(header.length);
        System.arraycopy(header, 0, buf, 0, header.length);
        pos = header.length;
        writeString(s.getUserId());
        writeLong(s.getVersion());
        writeLong(s.getAsOf().toEpochMilli());
        writeLong(s.getEmittedAt().toEpochMilli());
        List<SequenceItem> items = s.getItems();
        int itemsStart = pos;
        int firstItem = pos;
        if (itemEnds.length < items.size()) {
            itemEnds = new int[items.size()];
        }
        if (!items.isEmpty()) {
            writeLong(items.size());
            firstItem = pos;
            for (int i = 0; i < items.size(); i++) {
                SequenceItem item = items.get(i);
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
                itemEnds[i] = pos;
            }
        }
        writeLong(0);
        List<RecentEvent> recent = s.getRecent();
        int recentStart = pos;
        int firstRecent = pos;
        if (recentEnds.length < recent.size()) {
            recentEnds = new int[recent.size()];
        }
        if (!recent.isEmpty()) {
            writeLong(recent.size());
            firstRecent = pos;
            for (int i = 0; i < recent.size(); i++) {
                RecentEvent e = recent.get(i);
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
                recentEnds[i] = pos;
            }
        }
        writeLong(0);
        writeLong(s.getGeneration());
        if (pos <= maxBytes) {
            return Arrays.copyOf(buf, pos);
        }
        return trimmed(maxBytes, new Array(items.size(), itemsStart, firstItem, itemEnds),
                new Array(recent.size(), recentStart, firstRecent, recentEnds), pos);
    }

    /**
     * Where an array was written: {@code count} elements, the block (count, elements, 0) from
     * {@code start}, the elements from {@code first}, element i ending at {@code ends[i]}.
     */
    private record Array(int count, int start, int first, int[] ends) {
        /** Bytes of the block holding only the first {@code keep} elements. */
        int length(int keep) {
            return keep == 0 ? 1 : varintLength(keep) + ends[keep - 1] - first + 1;
        }

        int end() {
            return count == 0 ? start + 1 : ends[count - 1] + 1;
        }
    }

    /** Items dropped by the last {@link #encode(UserSequence, int)} to fit its limit. */
    public int itemsDropped() {
        return itemsDropped;
    }

    /** Recent events dropped by the last {@link #encode(UserSequence, int)} (only once no item was left). */
    public int recentDropped() {
        return recentDropped;
    }

    /**
     * Splices the bytes already written: everything outside the two arrays as it is, the first
     * {@code keep} items and the first {@code keepRecent} recent events, each array re-counted.
     * Avro writes an array as a count, the elements and a 0, so shortening one only changes its count.
     */
    private byte[] trimmed(int maxBytes, Array items, Array recent, int end) {
        int others = end - items.length(items.count()) - recent.length(recent.count());
        int keep = items.count();
        while (keep > 0 && others + items.length(keep) + recent.length(recent.count()) > maxBytes) {
            keep--;
        }
        int keepRecent = recent.count();
        if (keep == 0) {
            while (keepRecent > 0 && others + 1 + recent.length(keepRecent) > maxBytes) {
                keepRecent--;
            }
        }
        itemsDropped = items.count() - keep;
        recentDropped = recent.count() - keepRecent;
        byte[] written = Arrays.copyOf(buf, end);
        pos = 0;
        ensure(end + 24);
        System.arraycopy(written, 0, buf, 0, items.start());
        pos = items.start();
        writeArray(keep, written, items);
        copy(written, items.end(), recent.start());
        writeArray(keepRecent, written, recent);
        copy(written, recent.end(), end);
        return Arrays.copyOf(buf, pos);
    }

    private void copy(byte[] from, int start, int end) {
        System.arraycopy(from, start, buf, pos, end - start);
        pos += end - start;
    }

    private void writeArray(int keep, byte[] written, Array array) {
        if (keep > 0) {
            writeLong(keep);
            copy(written, array.first(), array.ends()[keep - 1]);
        }
        writeLong(0);
    }

    private static int varintLength(long value) {
        long n = (value << 1) ^ (value >> 63);
        int length = 1;
        while ((n & ~0x7FL) != 0) {
            n >>>= 7;
            length++;
        }
        return length;
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
