package dev.listenseq.flink;

import dev.listenseq.kafka.RawRecord;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;

/**
 * Event time for watermarks, read from the event inside each record. A record the job will
 * dead-letter gets {@link Long#MIN_VALUE}, so it never moves the watermark: one bogus far-future
 * timestamp must not make every later event late. The decision is {@link RecordCheck}'s, the very
 * one the decode step makes, and depends on the record only, so a replay assigns the same.
 */
public final class EventTimeAssigner implements SerializableTimestampAssigner<RawRecord> {

    private static final long serialVersionUID = 1L;

    private final RecordCheck check;

    public EventTimeAssigner(RecordCheck check) {
        this.check = check;
    }

    @Override
    public long extractTimestamp(RawRecord record, long recordTimestamp) {
        RecordCheck.Result result = check.check(record);
        return result.ok() ? result.event().getEventTime().toEpochMilli() : Long.MIN_VALUE;
    }
}
