package dev.listenseq.sequence;

import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * Checks a decoded event against the data contract of docs/design.md before it may touch state. Every
 * check depends only on the record (the event and its Kafka timestamp), never on the wall clock,
 * so a backfill over the same records decides exactly as the live run did.
 */
public final class EventValidator {

    /** Longest plausible play or song: a day. Beyond it, sums of listened time could overflow. */
    static final long MAX_DURATION_MS = 86_400_000L;

    private final ValidationRules rules;

    public EventValidator(ValidationRules rules) {
        this.rules = rules;
    }

    /**
     * Returns why the event must be dead-lettered, or null when it is valid. {@code recordTimestampMs}
     * is the Kafka record's timestamp (CreateTime: the producer's clock; LogAppendTime: the broker's),
     * the reference of the future-timestamp check; a negative one (no timestamp) skips that check.
     */
    public Rejection validate(ListenEvent event, long recordTimestampMs) {
        Rejection bad = checkId("event_id", event.getEventId(), true);
        if (bad == null) {
            bad = checkId("user_id", event.getUserId(), true);
        }
        if (bad == null) {
            bad = checkId("song_id", event.getSongId(), true);
        }
        if (bad == null) {
            bad = checkId("artist_id", event.getArtistId(), false);
        }
        if (bad != null) {
            return bad;
        }
        bad = checkId("context", event.getContext(), false);
        if (bad != null) {
            return new Rejection(DeadLetterReason.INVALID_CONTEXT, bad.detail());
        }
        ListenType type = event.getType();
        if (type == ListenType.UNKNOWN) {
            return new Rejection(DeadLetterReason.UNKNOWN_TYPE,
                    "type is UNKNOWN (a symbol this version does not know); expected PLAY, SKIP, LIKE or COLLECT");
        }
        Long played = event.getPlayedMs();
        if (played == null && (type == ListenType.PLAY || type == ListenType.SKIP)) {
            return new Rejection(DeadLetterReason.MISSING_PLAYED_MS, "played_ms is missing; it is required for " + type);
        }
        if (played != null && (played < 0 || played > MAX_DURATION_MS)) {
            return new Rejection(DeadLetterReason.INVALID_DURATION,
                    "played_ms is " + played + "; it must be from 0 to " + MAX_DURATION_MS + " (a day)");
        }
        Long duration = event.getDurationMs();
        if (duration != null && (duration <= 0 || duration > MAX_DURATION_MS)) {
            return new Rejection(DeadLetterReason.INVALID_DURATION, "duration_ms is " + duration
                    + "; a song's length must be from 1 to " + MAX_DURATION_MS + " (a day), or absent");
        }
        long eventTime = event.getEventTime().toEpochMilli();
        if (eventTime < 0) {
            // Before 1970: a broken clock. Far enough back, as_of arithmetic would overflow.
            return new Rejection(DeadLetterReason.INVALID_TIMESTAMP,
                    "event_time " + event.getEventTime() + " is before 1970-01-01; the device clock is wrong");
        }
        if (isFuture(eventTime, recordTimestampMs)) {
            return new Rejection(DeadLetterReason.FUTURE_TIMESTAMP, "event_time " + Instant.ofEpochMilli(eventTime)
                    + " is " + Duration.ofMillis(eventTime - recordTimestampMs).toString().substring(2).toLowerCase()
                    + " ahead of the record's Kafka timestamp " + Instant.ofEpochMilli(recordTimestampMs) + "; the limit is "
                    + Duration.ofMillis(rules.maxClockSkewMs()).toString().substring(2).toLowerCase()
                    + " (validation.max-clock-skew)");
        }
        return null;
    }

    private boolean isFuture(long eventTime, long recordTimestampMs) {
        return recordTimestampMs >= 0 && eventTime - recordTimestampMs > rules.maxClockSkewMs();
    }

    /**
     * Checks a record's Kafka key, which the job does not need (it keys by the event's user_id) but
     * copies to the late and dead-letter topics: absent, or valid UTF-8 of at most ids.max-length
     * characters. Returns null when it passes.
     */
    public Rejection validateKey(byte[] key) {
        if (key == null) {
            return null;
        }
        // UTF-8 takes at most 4 bytes per character: longer is too long without decoding it.
        if (key.length > 4L * rules.maxIdLength()) {
            return new Rejection(DeadLetterReason.INVALID_KEY, "the Kafka key is " + key.length
                    + " bytes, over " + rules.maxIdLength() + " characters; the limit is " + rules.maxIdLength()
                    + " (ids.max-length). Key records by user_id.");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return new Rejection(DeadLetterReason.INVALID_KEY, "the Kafka key (" + key.length
                    + " bytes) is not valid UTF-8; key records by user_id, in UTF-8");
        }
        if (text.length() > rules.maxIdLength()) {
            return new Rejection(DeadLetterReason.INVALID_KEY, "the Kafka key is " + text.length()
                    + " chars; the limit is " + rules.maxIdLength() + " (ids.max-length). Key records by user_id.");
        }
        return null;
    }

    private Rejection checkId(String field, String value, boolean required) {
        if (value == null) {
            return required ? new Rejection(DeadLetterReason.INVALID_ID, field + " is missing") : null;
        }
        if (value.isEmpty()) {
            return new Rejection(DeadLetterReason.INVALID_ID, field + " is empty; it must have 1 to "
                    + rules.maxIdLength() + " characters");
        }
        if (value.length() > rules.maxIdLength()) {
            return new Rejection(DeadLetterReason.INVALID_ID, field + " is " + value.length()
                    + " chars; the limit is " + rules.maxIdLength() + " (ids.max-length)");
        }
        return null;
    }
}
