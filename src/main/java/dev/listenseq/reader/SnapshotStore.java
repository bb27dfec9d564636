package dev.listenseq.reader;

/**
 * Latest snapshot per user, as single-object-encoded bytes with their version. One thread writes
 * (the reader's consumer), any number read. Keeping bytes rather than decoded records costs one
 * decode per lookup (microseconds) and holds each user in about the size of its Kafka record.
 */
public interface SnapshotStore extends AutoCloseable {

    /** A held snapshot: its generation, version and encoded bytes. */
    record Entry(long generation, long version, byte[] encoded) {
    }

    /**
     * Keeps the snapshot unless one with the same or a higher (generation, version) pair is held
     * ({@link Lineage}); true when kept.
     */
    boolean putIfNewer(String user, long generation, long version, byte[] encoded);

    /**
     * Forgets the user (an erasure: a tombstone for the key); true if it was held. A later snapshot
     * of the user is kept whatever its version, as for a user never seen.
     */
    boolean remove(String user);

    /** The held snapshot, or null for a user never seen. */
    Entry get(String user);

    /** Users held. */
    long size();

    @Override
    void close();
}
