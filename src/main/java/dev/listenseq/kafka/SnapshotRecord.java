package dev.listenseq.kafka;

import dev.listenseq.avro.UserSequence;

/**
 * One record for the snapshot (and history) topic: a user's snapshot, or, with a null snapshot, a
 * tombstone that erases the user (the Kafka record gets a null value). Snapshots and tombstones
 * travel in one stream to one sink, so a tombstone can never overtake or be overtaken by the user's
 * snapshots. A Flink POJO (public fields, no-arg constructor; the snapshot is an Avro record): no Kryo.
 */
public class SnapshotRecord {

    public String userId;
    /** The snapshot; null for a tombstone. */
    public UserSequence snapshot;
    /** Kafka record timestamp: emitted_at for a snapshot, when the erasure was applied for a tombstone. */
    public long timestamp;

    public SnapshotRecord() {
    }

    private SnapshotRecord(String userId, UserSequence snapshot, long timestamp) {
        this.userId = userId;
        this.snapshot = snapshot;
        this.timestamp = timestamp;
    }

    public static SnapshotRecord of(UserSequence snapshot) {
        return new SnapshotRecord(snapshot.getUserId(), snapshot, snapshot.getEmittedAt().toEpochMilli());
    }

    public static SnapshotRecord tombstone(String userId, long timestamp) {
        return new SnapshotRecord(userId, null, timestamp);
    }

    public boolean isTombstone() {
        return snapshot == null;
    }

    @Override
    public String toString() {
        return isTombstone() ? "tombstone(" + userId + ")" : "snapshot(" + userId + " v" + snapshot.getVersion() + ")";
    }
}
