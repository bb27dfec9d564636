package dev.listenseq.flink;

import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.sequence.EventValidator;
import dev.listenseq.sequence.Rejection;
import dev.listenseq.sequence.ValidationRules;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The one decision whether an input record is a usable event, shared by the decode step (which
 * dead-letters what fails) and the watermark's timestamp assigner (which must not let those records
 * move the watermark). It reads only the record, never the clock, so every run decides the same.
 *
 * <p>In order: a null value; the Kafka key (absent, or UTF-8 within ids.max-length); the record's
 * size (key plus value within what the late topic accepts, so that any event the job keeps can be
 * copied there byte for byte if it turns out late); the decoding; the event's own rules.
 */
public final class RecordCheck implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * The outcome: the event when the record is usable; the user to erase when it is a deletion
     * request (a tombstone keyed by a user_id); else why not.
     */
    public record Result(ListenEvent event, String erasedUser, Rejection rejection) {
        public boolean ok() {
            return rejection == null;
        }

        public boolean erasure() {
            return erasedUser != null;
        }
    }

    private final ValidationRules rules;
    private final int maxRecordBytes;
    private transient SingleObjectCodec<ListenEvent> codec;
    private transient EventValidator validator;

    /**
     * @param maxRecordBytes the largest key plus value accepted: what a late copy may take
     *                       ({@link dev.listenseq.kafka.TopicLimits#budget} of the late topic's limit)
     */
    public RecordCheck(ValidationRules rules, int maxRecordBytes) {
        this.rules = rules;
        this.maxRecordBytes = maxRecordBytes;
    }

    public Result check(RawRecord record) {
        if (codec == null) {
            codec = SingleObjectCodec.of(ListenEvent.class);
            validator = new EventValidator(rules);
        }
        if (record.value == null) {
            String userId = erasedUser(record.key);
            return userId != null ? new Result(null, userId, null) : reject(DeadLetterReason.EMPTY_VALUE,
                    "the value is null (a tombstone, which requests erasure of the user in its key) and the key is not"
                            + " a user_id: null, empty, not UTF-8 or longer than " + rules.maxIdLength()
                            + " chars (ids.max-length)");
        }
        Rejection bad = validator.validateKey(record.key);
        if (bad != null) {
            return new Result(null, null, bad);
        }
        long size = (long) record.value.length + (record.key == null ? 0 : record.key.length);
        if (size > maxRecordBytes) {
            return reject(DeadLetterReason.RECORD_TOO_LARGE, "key and value are " + size + " bytes; an event the job"
                    + " keeps may be at most " + maxRecordBytes + " bytes, what a copy on the late topic can take"
                    + " (that topic's max.message.bytes less framing)");
        }
        ListenEvent event;
        try {
            event = codec.decode(record.value);
        } catch (DecodeException e) {
            return reject(e.kind() == DecodeException.Kind.UNKNOWN_SCHEMA
                    ? DeadLetterReason.UNKNOWN_SCHEMA : DeadLetterReason.UNDECODABLE, e.getMessage());
        }
        bad = validator.validate(event, record.timestamp);
        return bad == null ? new Result(event, null, null) : new Result(null, null, bad);
    }

    /**
     * The user a tombstone erases: its key, if it is a user_id an event could have (valid UTF-8,
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

    private static Result reject(DeadLetterReason reason, String detail) {
        return new Result(null, null, new Rejection(reason, detail));
    }
}
