package dev.listenseq.config;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Parses points in time written as epoch milliseconds ({@code 1767225600000}), an ISO-8601
 * instant with an offset ({@code 2026-01-01T00:00:00Z}, {@code 2026-01-01T01:00:00+01:00}) or a
 * date, read as midnight UTC ({@code 2026-01-01}).
 */
public final class Instants {

    private Instants() {
    }

    public static Instant parse(String text) {
        String value = text.trim();
        if (value.matches("\\d{1,18}")) {
            return Instant.ofEpochMilli(Long.parseLong(value));
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            // not a date-time with an offset; try a date
        }
        try {
            return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("it must be epoch milliseconds, an ISO-8601 time with an offset"
                    + " such as 2026-01-01T00:00:00Z, or a date such as 2026-01-01 (midnight UTC)");
        }
    }
}
