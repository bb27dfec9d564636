package dev.listenseq.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstantsTest {

    @Test
    void readsEpochMillisIsoInstantsWithOffsetsAndDates() {
        Instant newYear = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(newYear, Instants.parse(String.valueOf(newYear.toEpochMilli())));
        assertEquals(newYear, Instants.parse(" 2026-01-01T00:00:00Z "));
        assertEquals(newYear, Instants.parse("2026-01-01T01:00:00+01:00"));
        assertEquals(newYear.plusMillis(250), Instants.parse("2026-01-01T00:00:00.250Z"));
        assertEquals(newYear, Instants.parse("2026-01-01"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2026-01-01T00:00:00", "2026-13-01", "-5", "1.5"})
    void rejectsAnythingElseNamingTheAcceptedForms(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Instants.parse(text));
        assertTrue(e.getMessage().contains("epoch milliseconds"), e.getMessage());
    }
}
