package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.sequence.ValidationRules;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One partition's watermark: what the timestamp assigner and the generator together let through. */
class EventTimeWatermarksTest {

    private static final long T = Instant.parse("2024-05-01T12:00:00Z").toEpochMilli();
    private static final long HOUR = 3_600_000;

    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
    private final EventTimeAssigner assigner = new EventTimeAssigner(new RecordCheck(ValidationRules.defaults(), 100_000));
    private final EventTimeWatermarks generator = new EventTimeWatermarks(Duration.ofSeconds(10));
    private final List<Long> emitted = new ArrayList<>();
    private final WatermarkOutput output = new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
        }

        @Override
        public void markActive() {
        }
    };

    private long watermarkAfter(long eventTime, long written) {
        ListenEvent e = new ListenEvent("e", "u", "s", null, ListenType.PLAY, Instant.ofEpochMilli(eventTime), 1L, 2L, null, null, null);
        RawRecord record = new RawRecord("in", 0, 0, written, null, codec.encode(e));
        generator.onEvent(record, assigner.extractTimestamp(record, written), output);
        generator.onPeriodicEmit(output);
        return emitted.get(emitted.size() - 1);
    }

    @Test
    void followsTheEventsOfOrdinaryRecords() {
        assertEquals(T - 10_001, watermarkAfter(T, T + 500));
        assertEquals(T + 1000 - 10_001, watermarkAfter(T + 1000, T + 1500));
    }

    @Test
    void anEventAheadOfItsRecordCountsOnlyUpToTheRecordTimestamp() {
        watermarkAfter(T, T);
        // 59 minutes ahead: kept (within validation.max-clock-skew), but the watermark stays at the record's time.
        assertEquals(T + 1 - 10_001, watermarkAfter(T + 59 * 60_000, T + 1));
        assertEquals(T + 2000 - 10_001, watermarkAfter(T + 2000, T + 2500), "the partition's next events are not late");
    }

    @Test
    void aRecordTheJobDeadLettersDoesNotMoveIt() {
        watermarkAfter(T, T);
        assertEquals(Long.MIN_VALUE, assigner.extractTimestamp(new RawRecord("in", 0, 1, T, null, new byte[] {1}), T));
        assertEquals(T - 10_001, watermarkAfter(T + 365 * 24 * HOUR, T + 365 * 24 * HOUR - 2 * HOUR),
                "two hours ahead of its record: dead-lettered, however far ahead of the others");
    }
}
