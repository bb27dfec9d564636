package dev.listenseq.reader;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Snapshots in a local RocksDB database, for more users than the heap holds. The folder is a cache
 * of the topic: it is emptied at open and rebuilt by the reader, so it can never disagree with the
 * topic. A value is the 8-byte generation and the 8-byte version, followed by the encoded snapshot.
 */
public final class DiskStore implements SnapshotStore {

    private static final String MARKER = ".listenseq-reader-store";
    private static final int HEADER = 16;

    private final Options options;
    private final RocksDB db;
    private final AtomicLong users = new AtomicLong();

    private DiskStore(Options options, RocksDB db) {
        this.options = options;
        this.db = db;
    }

    /** Opens an empty store in dir; refuses a folder with other content, so a typo cannot wipe real data. */
    public static DiskStore open(Path dir) {
        try {
            if (Files.exists(dir)) {
                boolean ours = Files.exists(dir.resolve(MARKER));
                try (Stream<Path> entries = Files.list(dir)) {
                    if (!ours && entries.findAny().isPresent()) {
                        throw new ReaderException("reader.store-dir " + dir + " is not empty and not a reader store;"
                                + " point it at an empty or new folder (it is emptied at every start)");
                    }
                }
                deleteContents(dir);
            }
            Files.createDirectories(dir);
            Files.createFile(dir.resolve(MARKER));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare reader store " + dir, e);
        }
        RocksDB.loadLibrary();
        Options options = new Options().setCreateIfMissing(true);
        try {
            return new DiskStore(options, RocksDB.open(options, dir.resolve("db").toString()));
        } catch (RocksDBException e) {
            options.close();
            throw new ReaderException("cannot open the reader store in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean putIfNewer(String user, long generation, long version, byte[] encoded) {
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        try {
            byte[] held = db.get(key);
            if (held != null) {
                ByteBuffer h = ByteBuffer.wrap(held);
                if (Lineage.compare(generation, version, h.getLong(), h.getLong()) <= 0) {
                    return false;
                }
            }
            byte[] value = ByteBuffer.allocate(HEADER + encoded.length).putLong(generation).putLong(version)
                    .put(encoded).array();
            db.put(key, value);
            if (held == null) {
                users.incrementAndGet();
            }
            return true;
        } catch (RocksDBException e) {
            throw new ReaderException("cannot write to the reader store: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean remove(String user) {
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        try {
            if (db.get(key) == null) {
                return false;
            }
            db.delete(key);
            users.decrementAndGet();
            return true;
        } catch (RocksDBException e) {
            throw new ReaderException("cannot delete from the reader store: " + e.getMessage(), e);
        }
    }

    @Override
    public Entry get(String user) {
        try {
            byte[] held = db.get(user.getBytes(StandardCharsets.UTF_8));
            if (held == null) {
                return null;
            }
            byte[] encoded = new byte[held.length - HEADER];
            System.arraycopy(held, HEADER, encoded, 0, encoded.length);
            ByteBuffer h = ByteBuffer.wrap(held);
            return new Entry(h.getLong(), h.getLong(), encoded);
        } catch (RocksDBException e) {
            throw new ReaderException("cannot read the reader store: " + e.getMessage(), e);
        }
    }

    @Override
    public long size() {
        return users.get();
    }

    @Override
    public void close() {
        db.close();
        options.close();
    }

    private static void deleteContents(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }
}
