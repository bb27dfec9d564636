package dev.listenseq.flink;

import dev.listenseq.kafka.RawRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

import java.time.Duration;

/**
 * Bounded-out-of-orderness watermarks (one generator per Kafka partition) in which no record counts
 * for more than its Kafka timestamp: a record contributes {@code min(event_time, record timestamp)}.
 * An event whose device clock runs ahead, within validation.max-clock-skew so that it is kept, can
 * therefore not carry its partition's watermark past the time it was written, and so cannot make the
 * partition's next events late. Records the job dead-letters (timestamp {@link Long#MIN_VALUE} from
 * {@link EventTimeAssigner}) do not count at all. Only the record is read: a replay emits the same
 * watermarks.
 */
public final class EventTimeWatermarks implements WatermarkGenerator<RawRecord> {

    private final long maxDisorderMs;
    private long maxTimestamp;

    public EventTimeWatermarks(Duration maxDisorder) {
        this.maxDisorderMs = maxDisorder.toMillis();
        // As Flink's BoundedOutOfOrdernessWatermarks: no watermark before the first record.
        this.maxTimestamp = Long.MIN_VALUE + maxDisorderMs + 1;
    }

    @Override
    public void onEvent(RawRecord record, long eventTimestamp, WatermarkOutput output) {
        if (eventTimestamp == Long.MIN_VALUE) {
            return;
        }
        long capped = record.timestamp >= 0 ? Math.min(eventTimestamp, record.timestamp) : eventTimestamp;
        maxTimestamp = Math.max(maxTimestamp, capped);
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.emitWatermark(new Watermark(maxTimestamp - maxDisorderMs - 1));
    }
}
