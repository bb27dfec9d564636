package dev.listenseq.examples;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExampleBuilderTest {

    private static final long T = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long MIN = 60_000;

    @TempDir
    Path dir;

    private static SequenceItem item(String song, String artist, long last, ListenType type, int plays, int skips,
                                     boolean liked, boolean collected, double weight) {
        return new SequenceItem(song, artist, Instant.ofEpochMilli(last - 10 * MIN), Instant.ofEpochMilli(last), type,
                plays, skips, liked, collected, 1000L, weight);
    }

    private static UserSequence snapshot() {
        List<SequenceItem> items = List.of(
                item("s1", "a1", T - 2 * MIN, ListenType.SKIP, 1, 1, false, false, 0.25),
                item("s2", null, T - 5 * MIN, ListenType.LIKE, 0, 0, true, false, 2.0),
                item("s3", "a1", T - 3000 * MIN, ListenType.PLAY, 3, 0, false, true, 4.5));
        List<RecentEvent> recent = List.of(
                new RecentEvent("s1", ListenType.SKIP, Instant.ofEpochMilli(T - 2 * MIN), 0.1),
                new RecentEvent("s2", ListenType.LIKE, Instant.ofEpochMilli(T - 5 * MIN), null),
                new RecentEvent("s1", ListenType.PLAY, Instant.ofEpochMilli(T - 6 * MIN), 0.9));
        return new UserSequence("u1", 7L, Instant.ofEpochMilli(T - 2 * MIN), Instant.ofEpochMilli(T), items, recent, 0L);
    }

    private Vocabulary vocab() throws Exception {
        Path file = dir.resolve("vocab.tsv");
        Files.writeString(file, Vocabulary.HEADER + "\nsong\t2\ts1\t5\nsong\t3\ts3\t2\nsong\t4\ttarget\t9\nartist\t2\ta1\t7\n");
        return Vocabulary.load(file);
    }

    @Test
    void theArraysHoldTheSnapshotMostRecentFirstPaddedAndMasked() throws Exception {
        Label label = new Label("u1", T, "e9", "target", "a9", ListenType.PLAY, 0, 42);
        Example e = ExampleBuilder.build(label, snapshot(), vocab(), 5);
        assertEquals(3, e.length());
        assertEquals(4, e.targetSongIndex());
        assertEquals(Vocabulary.OOV, e.targetArtistIndex(), "a9 is not in the vocabulary");
        assertEquals(7L, e.snapshotVersion());
        assertEquals(T - 2 * MIN, e.snapshotAsOf());
        assertArrayEquals(new int[] {2, Vocabulary.OOV, 3, 0, 0}, e.songIndex(), "s2 is not in the vocabulary");
        assertArrayEquals(new int[] {2, Vocabulary.OOV, 2, 0, 0}, e.artistIndex(), "a null artist is out of vocabulary");
        assertArrayEquals(new float[] {0.25f, 2.0f, 4.5f, 0, 0}, e.weight());
        assertArrayEquals(new int[] {1, 0, 3, 0, 0}, e.plays());
        assertArrayEquals(new int[] {1, 0, 0, 0, 0}, e.skips());
        assertArrayEquals(new boolean[] {false, true, false, false, false}, e.liked());
        assertArrayEquals(new boolean[] {false, false, true, false, false}, e.collected());
        assertArrayEquals(new int[] {2, 3, 1, 0, 0}, e.lastType(), "SKIP=2, LIKE=3, PLAY=1, padding 0");
        assertArrayEquals(new float[] {0.1f, -1f, -1f, 0, 0}, e.lastCompletion(),
                "s1: its newest listen in recent; s2: no listen; s3: fell out of recent");
        assertArrayEquals(new int[] {3, 4, 13, 0, 0}, e.recencyBucket(), "2, 5 and 3000 minutes before the label");
        assertArrayEquals(new boolean[] {true, true, true, false, false}, e.mask());
    }

    @Test
    void theArraysAreCutToTheMostRecentL() throws Exception {
        Example e = ExampleBuilder.build(new Label("u1", T, "e9", "s1", null, ListenType.LIKE, 0, 1), snapshot(), vocab(), 2);
        assertEquals(2, e.length());
        assertArrayEquals(new int[] {2, Vocabulary.OOV}, e.songIndex());
        assertArrayEquals(new boolean[] {true, true}, e.mask());
        assertEquals("LIKE", e.labelType());
    }

    @Test
    void aSnapshotAtOrAfterTheLabelIsRefused() throws Exception {
        Label atAsOf = new Label("u1", T - 2 * MIN, "e9", "s1", null, ListenType.LIKE, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> ExampleBuilder.build(atAsOf, snapshot(), vocab(), 5));
    }

    @Test
    void positivesFollowTheRule() {
        LabelRule rule = new LabelRule(LabelRule.parseTypes("k", "play, collect"), 0.8, 200_000);
        assertTrue(rule.isLabel(event(ListenType.PLAY, 160_000L, null)), "0.8 of the default duration");
        assertFalse(rule.isLabel(event(ListenType.PLAY, 159_999L, null)));
        assertTrue(rule.isLabel(event(ListenType.PLAY, 90_000L, 100_000L)));
        assertFalse(rule.isLabel(event(ListenType.PLAY, null, 100_000L)), "no played_ms, no completion");
        assertFalse(rule.isLabel(event(ListenType.SKIP, 100_000L, 100_000L)));
        assertFalse(rule.isLabel(event(ListenType.LIKE, null, null)), "likes are off here");
        assertTrue(rule.isLabel(event(ListenType.COLLECT, null, null)));
        assertEquals(Set.of(ListenType.LIKE), LabelRule.parseTypes("k", "like"));
        ConfigException bad = assertThrows(ConfigException.class, () -> LabelRule.parseTypes("examples.label-types", "play,skip"));
        assertTrue(bad.getMessage().contains("\"skip\" is not a label type"), bad.getMessage());
        assertThrows(ConfigException.class, () -> LabelRule.parseTypes("examples.label-types", " , "));
    }

    private static ListenEvent event(ListenType type, Long played, Long duration) {
        return new ListenEvent("e", "u", "s", null, type, Instant.ofEpochMilli(T), played, duration, null, null, null);
    }
}
