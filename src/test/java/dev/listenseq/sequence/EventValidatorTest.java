package dev.listenseq.sequence;

import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventValidatorTest {

    private static final long NOW = Instant.parse("2026-11-28T12:00:00Z").toEpochMilli();
    private final EventValidator validator = new EventValidator(ValidationRules.defaults());

    private static ListenEvent valid() {
        return new ListenEvent("e1", "u1", "s1", "a1", ListenType.PLAY, Instant.ofEpochMilli(NOW - 1000), 1000L, 2000L, null, null, null);
    }

    private Rejection reject(Consumer<ListenEvent> change) {
        ListenEvent e = valid();
        change.accept(e);
        return validator.validate(e, NOW);
    }

    @Test
    void acceptsValidEventsOfEveryType() {
        assertNull(validator.validate(valid(), NOW));
        for (ListenType type : new ListenType[] {ListenType.LIKE, ListenType.COLLECT}) {
            ListenEvent e = valid();
            e.setType(type);
            e.setPlayedMs(null);
            e.setDurationMs(null);
            assertNull(validator.validate(e, NOW), type.toString());
        }
    }

    @Test
    void idsMustBePresentAndShort() {
        Rejection empty = reject(e -> e.setUserId(""));
        assertEquals(DeadLetterReason.INVALID_ID, empty.reason());
        assertTrue(empty.detail().contains("user_id is empty"), empty.detail());

        Rejection huge = reject(e -> e.setSongId("x".repeat(10_240)));
        assertEquals(DeadLetterReason.INVALID_ID, huge.reason());
        assertEquals("song_id is 10240 chars; the limit is 128 (ids.max-length)", huge.detail());

        assertEquals(DeadLetterReason.INVALID_ID, reject(e -> e.setEventId("")).reason());
        assertEquals(DeadLetterReason.INVALID_ID, reject(e -> e.setArtistId("")).reason());
        assertNull(reject(e -> e.setArtistId(null)));
        assertNull(reject(e -> e.setUserId("u".repeat(128))));
    }

    @Test
    void unknownTypesAreRejected() {
        Rejection r = reject(e -> e.setType(ListenType.UNKNOWN));
        assertEquals(DeadLetterReason.UNKNOWN_TYPE, r.reason());
    }

    @Test
    void playsAndSkipsNeedAPlayedDurationThatIsNotNegative() {
        assertEquals(DeadLetterReason.MISSING_PLAYED_MS, reject(e -> e.setPlayedMs(null)).reason());
        Rejection negative = reject(e -> e.setPlayedMs(-5L));
        assertEquals(DeadLetterReason.INVALID_DURATION, negative.reason());
        assertEquals("played_ms is -5; it must be from 0 to 86400000 (a day)", negative.detail());
        assertEquals(DeadLetterReason.INVALID_DURATION, reject(e -> e.setDurationMs(0L)).reason());
        assertEquals(DeadLetterReason.INVALID_DURATION, reject(e -> e.setDurationMs(-1L)).reason());
        assertNull(reject(e -> e.setPlayedMs(0L)));
        assertEquals(DeadLetterReason.INVALID_DURATION, reject(e -> e.setPlayedMs(Long.MAX_VALUE)).reason());
        assertEquals(DeadLetterReason.INVALID_DURATION, reject(e -> e.setDurationMs(86_400_001L)).reason());
        assertNull(reject(e -> e.setDurationMs(86_400_000L)));
    }

    @Test
    void timestampsBefore1970AreRejected() {
        Rejection r = reject(e -> e.setEventTime(Instant.ofEpochMilli(Long.MIN_VALUE / 2)));
        assertEquals(DeadLetterReason.INVALID_TIMESTAMP, r.reason());
        assertNull(reject(e -> e.setEventTime(Instant.EPOCH)));
    }

    @Test
    void timestampsFarAheadOfTheClockAreRejected() {
        Rejection ahead = reject(e -> e.setEventTime(Instant.ofEpochMilli(NOW + 365L * 86_400_000)));
        assertEquals(DeadLetterReason.FUTURE_TIMESTAMP, ahead.reason());
        assertTrue(ahead.detail().contains("8760h ahead"), ahead.detail());
        assertTrue(ahead.detail().contains("validation.max-clock-skew"), ahead.detail());
        assertNull(reject(e -> e.setEventTime(Instant.ofEpochMilli(NOW + 3_600_000))), "exactly at the limit");
    }
}
