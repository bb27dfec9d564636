package dev.listenseq.reader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both stores keep the highest (generation, version) per user, whatever order snapshots arrive in. */
class SnapshotStoreTest {

    @TempDir
    Path dir;

    private static void highestVersionWins(SnapshotStore store) {
        assertTrue(store.putIfNewer("alice", 0, 2, new byte[] {2}));
        assertFalse(store.putIfNewer("alice", 0, 1, new byte[] {1}), "an older version arriving late");
        assertFalse(store.putIfNewer("alice", 0, 2, new byte[] {9}), "a duplicate of the held version");
        assertTrue(store.putIfNewer("alice", 0, 5, new byte[] {5}));
        assertTrue(store.putIfNewer("bob", 0, 1, new byte[] {7, 7}));

        assertEquals(5, store.get("alice").version());
        assertArrayEquals(new byte[] {5}, store.get("alice").encoded());
        assertArrayEquals(new byte[] {7, 7}, store.get("bob").encoded());
        assertNull(store.get("carol"));
        assertEquals(2, store.size());
    }

    private static void higherGenerationWinsWhateverItsVersion(SnapshotStore store) {
        assertTrue(store.putIfNewer("alice", 0, 57, new byte[] {57}));
        assertTrue(store.putIfNewer("alice", 1_700_000_000_000L, 1, new byte[] {1}),
                "a job started without state restarts versions at 1 in a new generation");
        assertFalse(store.putIfNewer("alice", 0, 58, new byte[] {58}), "the old lineage, arriving late");
        assertTrue(store.putIfNewer("alice", 1_700_000_000_000L, 2, new byte[] {2}));

        assertEquals(1_700_000_000_000L, store.get("alice").generation());
        assertEquals(2, store.get("alice").version());
        assertArrayEquals(new byte[] {2}, store.get("alice").encoded());
    }

    @Test
    void memoryStoreOrdersByGenerationFirst() {
        try (SnapshotStore store = new MemoryStore()) {
            higherGenerationWinsWhateverItsVersion(store);
        }
    }

    @Test
    void diskStoreOrdersByGenerationFirst() {
        try (SnapshotStore store = DiskStore.open(dir.resolve("store"))) {
            higherGenerationWinsWhateverItsVersion(store);
        }
    }

    @Test
    void memoryStore() {
        try (SnapshotStore store = new MemoryStore()) {
            highestVersionWins(store);
        }
    }

    @Test
    void diskStoreStartsEmptyEachTime() {
        Path folder = dir.resolve("store");
        try (SnapshotStore store = DiskStore.open(folder)) {
            highestVersionWins(store);
        }
        try (SnapshotStore store = DiskStore.open(folder)) {
            assertNull(store.get("alice"), "the store is a cache of the topic, rebuilt at each start");
            assertEquals(0, store.size());
        }
    }

    @Test
    void diskStoreRefusesAFolderThatIsNotOneOfItsOwn() throws Exception {
        Files.writeString(dir.resolve("precious.txt"), "data");

        ReaderException e = assertThrows(ReaderException.class, () -> DiskStore.open(dir));

        assertEquals("reader.store-dir " + dir + " is not empty and not a reader store;"
                + " point it at an empty or new folder (it is emptied at every start)", e.getMessage());
        assertTrue(Files.exists(dir.resolve("precious.txt")));
    }

    /** An erased user is forgotten: its next snapshot starts again at version 1 and is kept. */
    private static void removeForgetsTheUser(SnapshotStore store) {
        assertTrue(store.putIfNewer("alice", 0, 7, new byte[] {7}));
        assertTrue(store.putIfNewer("bob", 0, 3, new byte[] {3}));

        assertTrue(store.remove("alice"));
        assertFalse(store.remove("alice"), "already gone");
        assertFalse(store.remove("carol"), "never seen");

        assertNull(store.get("alice"));
        assertEquals(1, store.size());
        assertEquals(3, store.get("bob").version(), "other users untouched");
        assertTrue(store.putIfNewer("alice", 0, 1, new byte[] {1}), "a fresh sequence after the erasure");
        assertEquals(1, store.get("alice").version());
        assertEquals(2, store.size());
    }

    @Test
    void memoryStoreForgetsAnErasedUser() {
        try (SnapshotStore store = new MemoryStore()) {
            removeForgetsTheUser(store);
        }
    }

    @Test
    void diskStoreForgetsAnErasedUser() throws Exception {
        try (SnapshotStore store = DiskStore.open(dir.resolve("store-erased"))) {
            removeForgetsTheUser(store);
        }
    }
}
