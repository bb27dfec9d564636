package dev.listenseq.sequence;

import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
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
    void theFutureIsMeasuredFromTheRecordTimestampNotTheClock() {
        ListenEvent e = valid();
        e.setEventTime(Instant.parse("2020-01-01T02:00:01Z"));
        long written = Instant.parse("2020-01-01T01:00:00Z").toEpochMilli();
        // Years behind the wall clock, yet an hour and a second ahead of the record: rejected, in every run.
        Rejection r = validator.validate(e, written);
        assertEquals(DeadLetterReason.FUTURE_TIMESTAMP, r.reason());
        assertTrue(r.detail().contains("Kafka timestamp 2020-01-01T01:00:00Z"), r.detail());
        assertNull(validator.validate(e, written + 1000), "exactly at the limit");
        assertNull(validator.validate(e, -1), "a record without a timestamp cannot be judged");
    }

    @Test
    void contextIsCheckedLikeTheIds() {
        assertNull(reject(e -> e.setContext(null)));
        assertNull(reject(e -> e.setContext("x".repeat(128))));
        Rejection huge = reject(e -> e.setContext("x".repeat(129)));
        assertEquals(DeadLetterReason.INVALID_CONTEXT, huge.reason());
        assertTrue(huge.detail().contains("context is 129 chars; the limit is 128 (ids.max-length)"), huge.detail());
        assertEquals(DeadLetterReason.INVALID_CONTEXT, reject(e -> e.setContext("")).reason());
    }

    @Test
    void kafkaKeysAreAbsentOrShortUtf8() {
        assertNull(validator.validateKey(null));
        assertNull(validator.validateKey("u1".getBytes(StandardCharsets.UTF_8)));
        assertNull(validator.validateKey("é".repeat(128).getBytes(StandardCharsets.UTF_8)), "128 chars in 256 bytes");
        Rejection longText = validator.validateKey("é".repeat(129).getBytes(StandardCharsets.UTF_8));
        assertEquals(DeadLetterReason.INVALID_KEY, longText.reason());
        assertTrue(longText.detail().contains("129 chars; the limit is 128 (ids.max-length)"), longText.detail());
        Rejection huge = validator.validateKey(new byte[700 * 1024]);
        assertEquals(DeadLetterReason.INVALID_KEY, huge.reason());
        assertTrue(huge.detail().contains("716800 bytes"), huge.detail());
        assertEquals(DeadLetterReason.INVALID_KEY, validator.validateKey(new byte[] {(byte) 0xC3, 0x28}).reason());
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
