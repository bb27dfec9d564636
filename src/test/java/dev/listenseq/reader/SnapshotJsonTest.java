package dev.listenseq.reader;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotJsonTest {

    private static final Instant T = Instant.parse("2026-11-01T10:00:00Z");

    private static UserSequence snapshot() {
        return new UserSequence("alice", 7L, T, T.plusMillis(1234),
                List.of(new SequenceItem("song-a", null, T.minusSeconds(60), T, ListenType.LIKE, 2, 0, true, false,
                        380_000L, 3.5)),
                List.of(new RecentEvent("song-a", ListenType.LIKE, T, null),
                        new RecentEvent("song-a", ListenType.PLAY, T.minusSeconds(60), 0.9)), 0L);
    }

    @Test
    void schemaFieldNamesIsoTimesAndEnumNames() {
        assertEquals("{\"user_id\":\"alice\",\"version\":7,\"as_of\":\"2026-11-01T10:00:00Z\","
                + "\"emitted_at\":\"2026-11-01T10:00:01.234Z\",\"items\":[{\"song_id\":\"song-a\",\"artist_id\":null,"
                + "\"first_time\":\"2026-11-01T09:59:00Z\",\"last_time\":\"2026-11-01T10:00:00Z\",\"last_type\":\"LIKE\","
                + "\"plays\":2,\"skips\":0,\"liked\":true,\"collected\":false,\"listened_ms\":380000,\"weight\":3.5}],"
                + "\"recent\":[{\"song_id\":\"song-a\",\"type\":\"LIKE\",\"event_time\":\"2026-11-01T10:00:00Z\",\"completion\":null},"
                + "{\"song_id\":\"song-a\",\"type\":\"PLAY\",\"event_time\":\"2026-11-01T09:59:00Z\",\"completion\":0.9}],\"generation\":0}",
                SnapshotJson.line(snapshot()));
    }

    @Test
    void textShowsTheTableAndRecentEvents() {
        String text = SnapshotText.render(snapshot());

        assertTrue(text.startsWith("alice  version 7  as_of 2026-11-01T10:00:00Z  emitted 2026-11-01T10:00:01.234Z  1 songs\n"), text);
        assertTrue(text.contains("     1  song-a           -                  2     0 L         6m20s     3.500  LIKE 2026-11-01T10:00:00Z\n"), text);
        assertTrue(text.contains("  recent: LIKE song-a 2026-11-01T10:00:00Z, PLAY song-a 2026-11-01T09:59:00Z (90%)\n"), text);
        assertEquals("alice  v7  as_of 2026-11-01T10:00:00Z  1 songs  song-a 3.50", SnapshotText.line(snapshot()));
    }
}
