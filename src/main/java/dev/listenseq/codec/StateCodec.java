package dev.listenseq.codec;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.QueuedItem;
import dev.listenseq.avro.state.UserState;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the keyed-state records {@link UserState} and {@link ItemState} by hand. The job
 * reads and writes one of each on every event, and Avro's generic reader and writer (per-field
 * dispatch, logical-type conversions, union resolution) were a quarter of the job's CPU (JFR).
 *
 * <p>The bytes are exactly those Flink's {@code AvroSerializer} writes for these records, so state
 * written by either reads with the other: fields in schema order; int, long, double, enum ordinal
 * and union branch as fixed-width big-endian numbers; a string as an int byte length and its UTF-8
 * bytes; an array as a variable-length count (omitted when empty), its items and a 0 byte. A test
 * compares the bytes with Flink's serializer on random records, and fails when a schema field
 * is added that this class does not know.
 *
 * <p>Format 2 appends fields to both records (schemas/state); format 1 records are read with the
 * new fields set as docs/state.md describes, and always written back in the current format.
 */
public final class StateCodec {

    /**
     * The version of the state format this class writes (docs/state.md). 1: release 4daa365. 2: bounded
     * seen ids (two generations), inactivity expiry, order-independent artist ({@code artist_time}).
     * Every version from 1 up reads; a format is changed only by adding a version.
     */
    public static final int FORMAT_VERSION = 2;

    private static final ListenType[] TYPES = ListenType.values();
    /** Strings are read through this, not a new array each: a user record holds dozens of song ids. */
    private static final ThreadLocal<byte[]> READ_BUFFER = ThreadLocal.withInitial(() -> new byte[256]);

    private StateCodec() {
    }

    /** Writes a user record in the current format. */
    public static void writeUser(UserState u, DataOutput out) throws IOException {
        writeUser(u, out, FORMAT_VERSION);
    }

    /** Writes a user record in state format {@code format} (an older one leaves the newer fields out). */
    public static void writeUser(UserState u, DataOutput out, int format) throws IOException {
        checkFormat(format);
        out.writeLong(u.getVersion());
        out.writeLong(u.getAsOf());
        out.writeInt(u.getItemCount());
        List<RecentEvent> recent = u.getRecent();
        writeCount(out, recent.size());
        for (RecentEvent e : recent) {
            writeString(out, e.getSongId());
            out.writeInt(e.getType().ordinal());
            out.writeLong(e.getEventTime().toEpochMilli());
            Double completion = e.getCompletion();
            if (completion == null) {
                out.writeInt(0);
            } else {
                out.writeInt(1);
                out.writeDouble(completion);
            }
        }
        out.write(0);
        List<QueuedItem> queue = u.getEvictQueue();
        writeCount(out, queue.size());
        for (QueuedItem q : queue) {
            writeString(out, q.getSongId());
            out.writeLong(q.getLastTime());
        }
        out.write(0);
        out.writeLong(u.getQueueBoundTime());
        writeString(out, u.getQueueBoundSong());
        out.writeLong(u.getSeenPrunedAt());
        out.writeLong(u.getEmittedVersion());
        out.writeLong(u.getLastEmitMs());
        out.writeLong(u.getTimerMs());
        out.writeLong(u.getPendingSinceMs());
        if (format < 2) {
            return;
        }
        out.writeInt(u.getSeenCurrent());
        out.writeInt(u.getSeenCount());
        out.writeLong(u.getSeenRotatedAt());
        out.writeLong(u.getLastRecordMs());
        out.writeLong(u.getExpiryTimerMs());
    }

    /** Reads a user record of the current format. */
    public static UserState readUser(DataInput in) throws IOException {
        return readUser(in, FORMAT_VERSION);
    }

    /** Reads a user record written in state format {@code format}. */
    public static UserState readUser(DataInput in, int format) throws IOException {
        checkFormat(format);
        long version = in.readLong();
        long asOf = in.readLong();
        int itemCount = in.readInt();
        List<RecentEvent> recent = new ArrayList<>();
        for (long n = readCount(in); n > 0; n = readCount(in)) {
            for (long i = 0; i < n; i++) {
                String song = readString(in);
                ListenType type = readType(in);
                Instant time = Instant.ofEpochMilli(in.readLong());
                Double completion = readUnionBranch(in) ? in.readDouble() : null;
                recent.add(new RecentEvent(song, type, time, completion));
            }
        }
        List<QueuedItem> queue = new ArrayList<>();
        for (long n = readCount(in); n > 0; n = readCount(in)) {
            for (long i = 0; i < n; i++) {
                String song = readString(in);
                queue.add(new QueuedItem(song, in.readLong()));
            }
        }
        UserState u = new UserState();
        u.setVersion(version);
        u.setAsOf(asOf);
        u.setItemCount(itemCount);
        u.setRecent(recent);
        u.setEvictQueue(queue);
        u.setQueueBoundTime(in.readLong());
        u.setQueueBoundSong(readString(in));
        u.setSeenPrunedAt(in.readLong());
        u.setEmittedVersion(in.readLong());
        u.setLastEmitMs(in.readLong());
        u.setTimerMs(in.readLong());
        u.setPendingSinceMs(in.readLong());
        if (format >= 2) {
            u.setSeenCurrent(in.readInt());
            u.setSeenCount(in.readInt());
            u.setSeenRotatedAt(in.readLong());
            u.setLastRecordMs(in.readLong());
            u.setExpiryTimerMs(in.readLong());
        } else {
            // Format 1 kept one map of seen ids, the "seen" generation: it is current, of unknown size
            // (so the next id rotates it into the previous generation), and the other one is empty.
            u.setSeenCurrent(0);
            u.setSeenCount(-1);
            u.setSeenRotatedAt(Long.MIN_VALUE);
            u.setLastRecordMs(Long.MIN_VALUE);
            u.setExpiryTimerMs(Long.MIN_VALUE);
        }
        return u;
    }

    /** Writes an item record in the current format. */
    public static void writeItem(ItemState item, DataOutput out) throws IOException {
        writeItem(item, out, FORMAT_VERSION);
    }

    /** Writes an item record in state format {@code format} (an older one leaves the newer fields out). */
    public static void writeItem(ItemState item, DataOutput out, int format) throws IOException {
        checkFormat(format);
        String artist = item.getArtistId();
        if (artist == null) {
            out.writeInt(0);
        } else {
            out.writeInt(1);
            writeString(out, artist);
        }
        out.writeLong(item.getFirstTime());
        out.writeLong(item.getLastTime());
        writeString(out, item.getLastEventId());
        out.writeInt(item.getLastType().ordinal());
        out.writeInt(item.getPlays());
        out.writeInt(item.getSkips());
        writeOptionalLong(out, item.getLikeTime());
        writeOptionalLong(out, item.getCollectTime());
        out.writeLong(item.getListenedMs());
        out.writeDouble(item.getPlaySum());
        out.writeDouble(item.getSkipSum());
        if (format >= 2) {
            out.writeLong(item.getArtistTime());
        }
    }

    /** Reads an item record of the current format. */
    public static ItemState readItem(DataInput in) throws IOException {
        return readItem(in, FORMAT_VERSION);
    }

    /** Reads an item record written in state format {@code format}. */
    public static ItemState readItem(DataInput in, int format) throws IOException {
        checkFormat(format);
        String artist = readUnionBranch(in) ? readString(in) : null;
        long first = in.readLong();
        long last = in.readLong();
        String lastEventId = readString(in);
        ListenType lastType = readType(in);
        int plays = in.readInt();
        int skips = in.readInt();
        Long likeTime = readUnionBranch(in) ? in.readLong() : null;
        Long collectTime = readUnionBranch(in) ? in.readLong() : null;
        long listened = in.readLong();
        double playSum = in.readDouble();
        double skipSum = in.readDouble();
        // Format 1 did not keep where the artist came from: in arrival order it was the newest event
        // carrying one, at most last_time; taking last_time keeps it until a newer event names another.
        long artistTime = format >= 2 ? in.readLong() : artist == null ? Long.MIN_VALUE : last;
        return new ItemState(artist, first, last, lastEventId, lastType, plays, skips, likeTime, collectTime,
                listened, playSum, skipSum, artistTime);
    }

    private static void checkFormat(int format) throws IOException {
        if (format < 1 || format > FORMAT_VERSION) {
            throw new IOException("state format " + format + " is not readable by this build, which reads formats 1 to "
                    + FORMAT_VERSION + "; restore with the build that wrote it or a newer one");
        }
    }

    private static void writeOptionalLong(DataOutput out, Long value) throws IOException {
        if (value == null) {
            out.writeInt(0);
        } else {
            out.writeInt(1);
            out.writeLong(value);
        }
    }

    /** A ["null", X] union: false for the null branch, true for X. */
    private static boolean readUnionBranch(DataInput in) throws IOException {
        int branch = in.readInt();
        if (branch != 0 && branch != 1) {
            throw new IOException("state record has union branch " + branch + "; expected 0 or 1");
        }
        return branch == 1;
    }

    private static ListenType readType(DataInput in) throws IOException {
        int ordinal = in.readInt();
        if (ordinal < 0 || ordinal >= TYPES.length) {
            throw new IOException("state record has listen type " + ordinal + "; the schema has " + TYPES.length);
        }
        return TYPES[ordinal];
    }

    private static void writeString(DataOutput out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("state record has a string of length " + length);
        }
        byte[] bytes = READ_BUFFER.get();
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, 2 * bytes.length)];
            READ_BUFFER.set(bytes);
        }
        in.readFully(bytes, 0, length);
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** An array block's item count, 7 bits a byte, lowest first; nothing for an empty array. */
    private static void writeCount(DataOutput out, long count) throws IOException {
        if (count == 0) {
            return;
        }
        while ((count & ~0x7FL) != 0) {
            out.write((int) ((count & 0x7F) | 0x80));
            count >>>= 7;
        }
        out.write((int) count);
    }

    private static long readCount(DataInput in) throws IOException {
        long count = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            count |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return count;
            }
        }
        throw new IOException("state record has an array count longer than 64 bits");
    }
}
