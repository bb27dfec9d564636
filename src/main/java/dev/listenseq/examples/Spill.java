package dev.listenseq.examples;

import dev.listenseq.avro.ListenType;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Scratch files of one run: labels and history records split into buckets by user, so that one
 * bucket at a time is joined in memory. Private to the run and deleted at its end; the layout is
 * length-prefixed fields in {@link DataOutputStream} order and is no interchange format.
 *
 * <p>A snapshot entry records the user, whether it is an erasure (a tombstone), the lineage
 * generation, the version and as_of (so the join needs no decoding), and the encoded snapshot, read
 * back by position only for the snapshots that answer a label.
 */
final class Spill implements AutoCloseable {

    /** A snapshot (or erasure) of the history, as spilled: value at {@code position} of the bucket's file. */
    record SnapshotEntry(String userId, boolean erasure, long generation, long version, long asOf, long position,
                         int size) {
    }

    private final Path dir;
    private final int buckets;
    private final DataOutputStream[] labels;
    private final DataOutputStream[] snapshots;
    private long bytes;

    Spill(Path parent, int buckets) throws IOException {
        Files.createDirectories(parent);
        this.dir = Files.createTempDirectory(parent, "listenseq-examples-");
        this.buckets = buckets;
        this.labels = new DataOutputStream[buckets];
        this.snapshots = new DataOutputStream[buckets];
    }

    int buckets() {
        return buckets;
    }

    int bucket(String userId) {
        return Math.floorMod(userId.hashCode(), buckets);
    }

    /** Bytes written to the spill so far. */
    long bytes() {
        return bytes;
    }

    void addLabel(Label l) throws IOException {
        DataOutputStream out = stream(labels, "labels", bucket(l.userId()));
        int before = out.size();
        writeString(out, l.userId());
        out.writeLong(l.time());
        writeString(out, l.eventId());
        writeString(out, l.songId());
        writeString(out, l.artistId());
        out.writeByte(l.type().ordinal());
        out.writeInt(l.partition());
        out.writeLong(l.offset());
        bytes += out.size() - before;
    }

    /** A snapshot of the user, or with a null value the user's erasure (generation, version and as_of unused). */
    void addSnapshot(String userId, long generation, long version, long asOf, byte[] value) throws IOException {
        DataOutputStream out = stream(snapshots, "snapshots", bucket(userId));
        int before = out.size();
        writeString(out, userId);
        out.writeBoolean(value == null);
        out.writeLong(generation);
        out.writeLong(version);
        out.writeLong(asOf);
        out.writeInt(value == null ? 0 : value.length);
        if (value != null) {
            out.write(value);
        }
        bytes += out.size() - before;
    }

    /** Closes the writers: call once, after the last add and before reading. */
    void finishWriting() throws IOException {
        for (DataOutputStream[] streams : List.of(labels, snapshots)) {
            for (int i = 0; i < streams.length; i++) {
                if (streams[i] != null) {
                    streams[i].close();
                    streams[i] = null;
                }
            }
        }
    }

    List<Label> readLabels(int bucket) throws IOException {
        ListenType[] types = ListenType.values();
        return read("labels", bucket, (user, in) -> new Label(user, in.readLong(), readString(in), readString(in),
                readString(in), types[in.readByte()], in.readInt(), in.readLong()));
    }

    /** The bucket's history entries in the order they were read from the topic. */
    List<SnapshotEntry> readSnapshots(int bucket) throws IOException {
        long[] position = {0};
        return read("snapshots", bucket, (user, in) -> {
            boolean erasure = in.readBoolean();
            long generation = in.readLong();
            long version = in.readLong();
            long asOf = in.readLong();
            int size = in.readInt();
            position[0] += 4 + user.getBytes(StandardCharsets.UTF_8).length + 1 + 8 + 8 + 8 + 4;
            SnapshotEntry entry = new SnapshotEntry(user, erasure, generation, version, asOf, position[0], size);
            in.skipNBytes(size);
            position[0] += size;
            return entry;
        });
    }

    /** Reads the rest of one entry, whose leading user id has been read. */
    private interface EntryReader<T> {
        T read(String userId, DataInputStream in) throws IOException;
    }

    /** Every entry of a bucket's file of one kind, in write order; none if nothing was written to it. */
    private <T> List<T> read(String kind, int bucket, EntryReader<T> entry) throws IOException {
        List<T> out = new ArrayList<>();
        Path file = dir.resolve(kind + "-" + bucket);
        if (!Files.exists(file)) {
            return out;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            while (true) {
                String user;
                try {
                    user = readString(in);
                } catch (EOFException end) {
                    return out;
                }
                out.add(entry.read(user, in));
            }
        }
    }

    /** Random access to a bucket's encoded snapshots. */
    RandomAccessFile snapshotValues(int bucket) throws IOException {
        return new RandomAccessFile(dir.resolve("snapshots-" + bucket).toFile(), "r");
    }

    boolean hasSnapshots(int bucket) {
        return Files.exists(dir.resolve("snapshots-" + bucket));
    }

    private DataOutputStream stream(DataOutputStream[] streams, String kind, int bucket) throws IOException {
        if (streams[bucket] == null) {
            streams[bucket] = new DataOutputStream(new BufferedOutputStream(
                    Files.newOutputStream(dir.resolve(kind + "-" + bucket)), 1 << 16));
        }
        return streams[bucket];
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        return n < 0 ? null : new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        finishWriting();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
