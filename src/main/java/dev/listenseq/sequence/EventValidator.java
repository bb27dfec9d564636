package dev.listenseq.sequence;

import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;

import java.time.Duration;
import java.time.Instant;

/** Checks a decoded event against the data contract of docs/design.md before it may touch state. */
public final class EventValidator {

    /** Longest plausible play or song: a day. Beyond it, sums of listened time could overflow. */
    static final long MAX_DURATION_MS = 86_400_000L;

    private final ValidationRules rules;

    public EventValidator(ValidationRules rules) {
        this.rules = rules;
    }

    /** Returns why the event must be dead-lettered, or null when it is valid. */
    public Rejection validate(ListenEvent event, long nowMs) {
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
        if (eventTime > nowMs + rules.maxClockSkewMs()) {
            return new Rejection(DeadLetterReason.FUTURE_TIMESTAMP, "event_time " + Instant.ofEpochMilli(eventTime)
                    + " is " + Duration.ofMillis(eventTime - nowMs).toString().substring(2).toLowerCase()
                    + " ahead of the job's clock; the limit is " + Duration.ofMillis(rules.maxClockSkewMs()).toString().substring(2).toLowerCase()
                    + " (validation.max-clock-skew)");
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
