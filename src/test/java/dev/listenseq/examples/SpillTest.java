package dev.listenseq.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The history as the examples' join sees it: spilled entries read back, and erasures dropping what came before. */
class SpillTest {

    @TempDir
    Path dir;

    @Test
    void snapshotEntriesKeepTheirLineageAndTheirBytes() throws Exception {
        byte[] first = "first snapshot".getBytes(StandardCharsets.UTF_8);
        byte[] second = "second".getBytes(StandardCharsets.UTF_8);
        try (Spill spill = new Spill(dir, 1)) {
            spill.addSnapshot("u", 0, 9, 1_000, first);
            spill.addSnapshot("u", -1, -1, Long.MIN_VALUE, null);
            spill.addSnapshot("u", 2, 1, 3_000, second);
            spill.finishWriting();
            List<Spill.SnapshotEntry> entries = spill.readSnapshots(0);
            assertEquals(3, entries.size());
            Spill.SnapshotEntry a = entries.get(0);
            assertFalse(a.erasure());
            assertEquals(List.of(0L, 9L, 1_000L), List.of(a.generation(), a.version(), a.asOf()));
            assertTrue(entries.get(1).erasure());
            Spill.SnapshotEntry c = entries.get(2);
            assertEquals(List.of(2L, 1L, 3_000L), List.of(c.generation(), c.version(), c.asOf()));
            try (RandomAccessFile values = spill.snapshotValues(0)) {
                assertArrayEquals(first, read(values, a));
                assertArrayEquals(second, read(values, c));
            }
        }
    }

    @Test
    void onlySnapshotsAfterTheUsersLastErasureCount() {
        Spill.SnapshotEntry u1 = snapshot("u", 1);
        Spill.SnapshotEntry u2 = snapshot("u", 2);
        Spill.SnapshotEntry v1 = snapshot("v", 1);
        Spill.SnapshotEntry uAfter = new Spill.SnapshotEntry("u", false, 0, 1, 900, 64, 1);
        Spill.SnapshotEntry w1 = snapshot("w", 1);
        Map<String, List<Spill.SnapshotEntry>> usable = ExampleExport.sinceLastErasure(List.of(
                u1, v1, u2, erasure("u"), uAfter, w1, erasure("w"), erasure("nobody")));
        assertEquals(List.of(uAfter), usable.get("u"), "the sequence before the erasure is gone, the new one counts");
        assertEquals(List.of(v1), usable.get("v"), "other users are untouched");
        assertEquals(List.of(), usable.get("w"), "erased last: nothing usable");
        assertEquals(List.of(), usable.get("nobody"));
    }

    private static byte[] read(RandomAccessFile values, Spill.SnapshotEntry entry) throws Exception {
        byte[] value = new byte[entry.size()];
        values.seek(entry.position());
        values.readFully(value);
        return value;
    }

    private static Spill.SnapshotEntry snapshot(String user, long version) {
        return new Spill.SnapshotEntry(user, false, 0, version, version * 100, 0, 1);
    }

    private static Spill.SnapshotEntry erasure(String user) {
        return new Spill.SnapshotEntry(user, true, -1, -1, Long.MIN_VALUE, 0, 0);
    }
}
