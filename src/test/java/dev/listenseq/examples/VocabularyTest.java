package dev.listenseq.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyTest {

    @TempDir
    Path dir;

    @Test
    void existingIdsKeepTheirIndexAndNewFrequentIdsAreAppended() {
        Path file = dir.resolve("vocab.tsv");
        Vocabulary first = Vocabulary.load(file);
        for (String id : new String[] {"b", "a", "b", "c", "a", "b", "rare"}) {
            first.count(Vocabulary.Kind.SONG, id);
        }
        first.count(Vocabulary.Kind.ARTIST, "x");
        first.count(Vocabulary.Kind.ARTIST, "x");
        assertEquals(Map.of(Vocabulary.Kind.SONG, 2, Vocabulary.Kind.ARTIST, 1), first.grow(2));
        assertEquals(2, first.index(Vocabulary.Kind.SONG, "b"), "most frequent first");
        assertEquals(3, first.index(Vocabulary.Kind.SONG, "a"));
        assertEquals(Vocabulary.OOV, first.index(Vocabulary.Kind.SONG, "c"), "below the minimum count");
        assertEquals(Vocabulary.PADDING, first.index(Vocabulary.Kind.SONG, null));
        assertEquals(2, first.index(Vocabulary.Kind.ARTIST, "x"), "kinds have their own index spaces");
        first.save(file);

        Vocabulary second = Vocabulary.load(file);
        assertEquals(2, second.loaded(Vocabulary.Kind.SONG));
        for (String id : new String[] {"c", "c", "c", "a", "a", "a", "a"}) {
            second.count(Vocabulary.Kind.SONG, id);
        }
        second.grow(2);
        assertEquals(2, second.index(Vocabulary.Kind.SONG, "b"), "kept though absent from this run");
        assertEquals(3, second.index(Vocabulary.Kind.SONG, "a"), "kept though now the most frequent");
        assertEquals(4, second.index(Vocabulary.Kind.SONG, "c"), "appended");
        second.save(file);
        assertEquals(4, Vocabulary.load(file).index(Vocabulary.Kind.SONG, "c"));
    }

    @Test
    void aBrokenFileIsRefusedWithTheLine() throws Exception {
        Path file = dir.resolve("vocab.tsv");
        Files.writeString(file, "song\t2\ta\t1\nsong\tx\tb\t1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.load(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        Files.writeString(file, "song\t2\ta\t1\nsong\t2\tb\t1\n");
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.load(file));
        Files.writeString(file, "song\t1\ta\t1\n");
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.load(file), "1 is reserved for out of vocabulary");
    }
}
