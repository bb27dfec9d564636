package dev.listenseq.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest {

    private static final String RULE = "it must be a duration such as 500ms, 10s, 5m, 2h, 90d or ISO-8601 PT10S";

    @Test
    void parsesShorthand() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(2), Durations.parse("2h"));
        assertEquals(Duration.ofDays(90), Durations.parse("90d"));
    }

    @Test
    void shorthandToleratesSpacesAndUpperCase() {
        assertEquals(Duration.ofSeconds(10), Durations.parse("  10s "));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10 s"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500MS"));
        assertEquals(Duration.ofDays(90), Durations.parse("90D"));
    }

    @Test
    void parsesIso8601() {
        assertEquals(Duration.ofSeconds(10), Durations.parse("PT10S"));
        assertEquals(Duration.ofDays(90), Durations.parse("P90D"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("pt10s"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("PT1H30M"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("PT1.5S"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "abc", "10", "10x", "1.5h", "-5s", "s", "PT", "10 seconds", "5m3s"})
    void rejectsGarbageWithTheRule(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals(RULE, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"9999999999999999d", "99999999999999999999ms"})
    void rejectsOverflowAsIllegalArgument(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("it is too large for a duration", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
            "0,         0ms",
            "1,         1ms",
            "500,       500ms",
            "1500,      1500ms",
            "10000,     10s",
            "90000,     90s",
            "300000,    5m",
            "5400000,   90m",
            "7200000,   2h",
            "129600000, 36h",
            "86400000,  1d",
            "7776000000, 90d"})
    void formatsInTheLargestWholeUnit(long millis, String expected) {
        assertEquals(expected, Durations.format(Duration.ofMillis(millis)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0ms", "1ms", "500ms", "1500ms", "10s", "90s", "5m", "90m", "2h", "36h", "1d", "14d", "90d"})
    void formatOfParseIsTheCanonicalText(String canonical) {
        assertEquals(canonical, Durations.format(Durations.parse(canonical)));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 999, 1000, 59_999, 60_000, 3_600_001, 86_400_000, 90L * 86_400_000, 123_456_789_012L})
    void parseOfFormatRoundTrips(long millis) {
        Duration d = Duration.ofMillis(millis);
        assertEquals(d, Durations.parse(Durations.format(d)));
    }

    @Test
    void isoInputIsFormattedAsShorthand() {
        assertEquals("10s", Durations.format(Durations.parse("PT10S")));
        assertEquals("90d", Durations.format(Durations.parse("P90D")));
        assertEquals("1h", Durations.format(Durations.parse("PT60M")));
    }
}
