package dev.listenseq.flink;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-user overlay of {@link CachedUserStore} over a counting map. */
class WriteBehindMapTest {

    /** A backing map that counts its reads and writes. */
    private static final class Counting implements WriteBehindMap.Backing<String, Integer> {
        final Map<String, Integer> map = new HashMap<>();
        int gets;
        int scans;
        int writes;

        @Override
        public Integer get(String key) {
            gets++;
            return map.get(key);
        }

        @Override
        public Iterable<Map.Entry<String, Integer>> entries() {
            scans++;
            return Map.copyOf(map).entrySet();
        }

        @Override
        public void put(String key, Integer value) {
            writes++;
            map.put(key, value);
        }

        @Override
        public void remove(String key) {
            writes++;
            map.remove(key);
        }
    }

    private static Map<String, Integer> entries(WriteBehindMap<String, Integer> cache, Counting backing) {
        Map<String, Integer> out = new TreeMap<>();
        cache.entries(backing).forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    @Test
    void readsEachKeyOnceIncludingAbsentOnesAndWritesOnlyAtTheFlush() {
        Counting backing = new Counting();
        backing.map.put("a", 1);
        WriteBehindMap<String, Integer> cache = new WriteBehindMap<>();
        assertEquals(1, cache.get("a", backing));
        assertEquals(1, cache.get("a", backing));
        assertNull(cache.get("b", backing));
        assertNull(cache.get("b", backing));
        assertEquals(2, backing.gets, "one read per key, a miss included");

        cache.put("b", 2);
        cache.put("a", 3);
        cache.put("a", 4);
        cache.remove("a");
        assertEquals(0, backing.writes);
        assertTrue(cache.isDirty());
        cache.flush(backing);
        assertEquals(Map.of("b", 2), backing.map);
        assertEquals(2, backing.writes, "one write per changed key, however often it changed");
        assertFalse(cache.isDirty());
    }

    @Test
    void oneScanMakesItCompleteThenEntriesAndMissesComeFromMemory() {
        Counting backing = new Counting();
        backing.map.putAll(Map.of("a", 1, "b", 2, "c", 3));
        WriteBehindMap<String, Integer> cache = new WriteBehindMap<>();
        cache.put("a", 10);
        cache.remove("b");
        assertEquals(Map.of("a", 10, "c", 3), entries(cache, backing), "unwritten changes win over the backing map");
        assertEquals(Map.of("a", 10, "c", 3), entries(cache, backing));
        assertNull(cache.get("z", backing));
        assertEquals(1, backing.scans);
        assertEquals(0, backing.gets, "complete: a key not held is absent");
    }

    @Test
    void aKnownEmptyMapNeverReadsAndForgettingStartsReadingAgain() {
        Counting backing = new Counting();
        backing.map.put("stale", 1);
        WriteBehindMap<String, Integer> cache = new WriteBehindMap<>();
        cache.put("x", 1);
        cache.knownEmpty();
        assertNull(cache.get("stale", backing));
        assertEquals(Map.of(), entries(cache, backing));
        assertEquals(List.of(0, 0), List.of(backing.gets, backing.scans));
        assertFalse(cache.isDirty(), "what was held before is dropped, not written");

        cache.put("y", 2);
        assertThrows(IllegalStateException.class, cache::forget, "unwritten changes cannot be forgotten");
        cache.flush(backing);
        cache.forget();
        assertEquals(1, cache.get("stale", backing));
        assertEquals(1, backing.gets);
    }

    @Test
    void aCompleteMapHoldsOnlyLiveEntriesAndStillWritesEveryRemoval() {
        Counting backing = new Counting();
        backing.map.putAll(Map.of("a", 1, "b", 2));
        WriteBehindMap<String, Integer> cache = new WriteBehindMap<>();
        cache.remove("a");
        entries(cache, backing);
        for (int i = 0; i < 1000; i++) {
            cache.put("song" + i, i);
            cache.remove("song" + i);
        }
        cache.remove("b");
        cache.put("c", 3);
        assertEquals(1, cache.held(), "an evicted song leaves nothing behind, so a scan walks live items only");
        assertEquals(Map.of("c", 3), entries(cache, backing));
        assertNull(cache.get("a", backing));
        assertEquals(0, backing.gets);

        cache.flush(backing);
        assertEquals(Map.of("c", 3), backing.map, "removals of keys read before and after completion are written");
    }
}
