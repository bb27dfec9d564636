package dev.listenseq.kafka;

import java.util.Objects;

/**
 * An input record the job did not apply because it came too late (or did not fit), with the reason:
 * the late topic gets the original bytes and the reason in the {@code late-reason} header. A Flink
 * POJO: public fields, no-arg constructor.
 */
public class LateRecord {

    /** Why a record went to the late topic (the {@code late-reason} header). */
    public enum Reason {
        /** Older than the user's horizon: as_of - sequence.max-age. */
        HORIZON,
        /** Event-time ordering: at or behind the watermark when it arrived. */
        WATERMARK,
        /** Event-time ordering: the user already had ordering.max-pending records waiting. */
        PENDING_FULL
    }

    public RawRecord record;
    public Reason reason;

    public LateRecord() {
    }

    public LateRecord(RawRecord record, Reason reason) {
        this.record = record;
        this.reason = reason;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LateRecord l && Objects.equals(record, l.record) && reason == l.reason;
    }

    @Override
    public int hashCode() {
        return Objects.hash(record, reason);
    }

    @Override
    public String toString() {
        return record + " (" + reason + ")";
    }
}
