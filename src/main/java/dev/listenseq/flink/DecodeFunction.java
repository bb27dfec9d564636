package dev.listenseq.flink;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.sequence.EventValidator;
import dev.listenseq.sequence.Rejection;
import dev.listenseq.sequence.ValidationRules;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * Decodes and validates each input record. Valid events continue, keyed by user; anything else
 * becomes a {@link DeadLetter} on the {@link #DEAD_LETTERS} side output with its reason, detail and
 * provenance. A tombstone (null value) keyed by a user_id is a deletion request: it continues, keyed by
 * that user, with its null value, and the sequence builder erases the user. Nothing here throws on bad
 * input, so bad input never restarts the job.
 */
public class DecodeFunction extends ProcessFunction<RawRecord, KeyedRecord> {

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private final ValidationRules rules;

    private transient SingleObjectCodec<ListenEvent> codec;
    private transient EventValidator validator;
    private transient Counter recordsIn;
    private transient Map<DeadLetterReason, Counter> deadLettered;

    public DecodeFunction(ValidationRules rules) {
        this.rules = rules;
    }

    @Override
    public void open(OpenContext openContext) {
        codec = SingleObjectCodec.of(ListenEvent.class);
        validator = new EventValidator(rules);
        MetricGroup metrics = JobMetrics.group(getRuntimeContext().getMetricGroup());
        recordsIn = metrics.counter(JobMetrics.RECORDS_IN);
        deadLettered = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLettered.put(reason, metrics.addGroup(JobMetrics.REASON, reason.name()).counter(JobMetrics.DEAD_LETTERED));
        }
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<KeyedRecord> out) {
        recordsIn.inc();
        long now = ctx.timerService().currentProcessingTime();
        if (record.value == null) {
            String userId = erasedUser(record.key);
            if (userId == null) {
                deadLetter(ctx, record, DeadLetterReason.EMPTY_VALUE, "the value is null (a tombstone, which requests"
                        + " erasure of the user in its key) and the key is not a user_id: null, empty, not UTF-8 or longer"
                        + " than " + rules.maxIdLength() + " chars (ids.max-length)", now);
                return;
            }
            out.collect(new KeyedRecord(userId, record));
            return;
        }
        ListenEvent event;
        try {
            event = codec.decode(record.value);
        } catch (DecodeException e) {
            DeadLetterReason reason = e.kind() == DecodeException.Kind.UNKNOWN_SCHEMA
                    ? DeadLetterReason.UNKNOWN_SCHEMA : DeadLetterReason.UNDECODABLE;
            deadLetter(ctx, record, reason, e.getMessage(), now);
            return;
        }
        Rejection rejection = validator.validate(event, now);
        if (rejection != null) {
            deadLetter(ctx, record, rejection.reason(), rejection.detail(), now);
            return;
        }
        out.collect(new KeyedRecord(event.getUserId(), record));
    }

    /**
     * The user a tombstone erases: its key, if it is a user_id that an event could have (valid UTF-8,
     * 1 to ids.max-length chars); else null.
     */
    private String erasedUser(byte[] key) {
        if (key == null || key.length == 0) {
            return null;
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        String userId;
        try {
            userId = utf8.decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        return userId.length() > rules.maxIdLength() ? null : userId;
    }

    private void deadLetter(Context ctx, RawRecord record, DeadLetterReason reason, String detail, long now) {
        deadLettered.get(reason).inc();
        ctx.output(DEAD_LETTERS, DeadLetter.newBuilder()
                .setReason(reason)
                .setDetail(detail)
                .setSourceTopic(record.topic)
                .setSourcePartition(record.partition)
                .setSourceOffset(record.offset)
                .setSourceTimestamp(Instant.ofEpochMilli(record.timestamp))
                .setKey(record.key == null ? null : ByteBuffer.wrap(record.key))
                .setValue(record.value == null ? null : ByteBuffer.wrap(record.value))
                .setDeadLetteredAt(Instant.ofEpochMilli(now))
                .build());
    }
}
