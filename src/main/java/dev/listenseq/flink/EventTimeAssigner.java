package dev.listenseq.flink;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.sequence.EventValidator;
import dev.listenseq.sequence.ValidationRules;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;

/**
 * Event time for watermarks, read from the event inside each record. A record the job will
 * dead-letter gets {@link Long#MIN_VALUE}, so it never moves the watermark: one bogus far-future
 * timestamp must not make every later event late.
 */
public final class EventTimeAssigner implements SerializableTimestampAssigner<RawRecord> {

    private static final long serialVersionUID = 1L;

    private final ValidationRules rules;
    private transient SingleObjectCodec<ListenEvent> codec;
    private transient EventValidator validator;

    public EventTimeAssigner(ValidationRules rules) {
        this.rules = rules;
    }

    @Override
    public long extractTimestamp(RawRecord record, long recordTimestamp) {
        if (codec == null) {
            codec = SingleObjectCodec.of(ListenEvent.class);
            validator = new EventValidator(rules);
        }
        if (record.value == null) {
            return Long.MIN_VALUE;
        }
        try {
            ListenEvent event = codec.decode(record.value);
            return validator.validate(event, System.currentTimeMillis()) == null
                    ? event.getEventTime().toEpochMilli() : Long.MIN_VALUE;
        } catch (DecodeException e) {
            return Long.MIN_VALUE;
        }
    }
}
