package dev.listenseq.flink;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One user's map state seen through memory: what has been read or written stays here, writes reach
 * the backing map only at {@link #flush}. Plain Java, so {@link CachedUserStore} can be tested
 * without Flink; the backing map is the user's MapState and is only valid while that user is the
 * current key.
 *
 * <p>Invariants: every key in {@code dirty} differs from the backing map (a put or a removal not
 * yet written), and its value here (null for a removal) is the one to write. While not
 * {@code complete}, a key held here with a null value is known to be absent. Once {@code complete},
 * the entries held are exactly the map's entries, with no null values: a key not held is absent
 * without asking the backing map, and {@link #entries} iterates the held map as it is. Without the
 * last rule a user who evicts a song per event would pile up one absent marker per eviction until
 * the next checkpoint, and every scan of the items would walk them all.
 */
final class WriteBehindMap<K, V> {

    /** The map behind the cache: one user's MapState. */
    interface Backing<K, V> {
        V get(K key);

        Iterable<Map.Entry<K, V>> entries();

        void put(K key, V value);

        void remove(K key);
    }

    private final Map<K, V> known = new HashMap<>();
    private final Set<K> dirty = new HashSet<>();
    private boolean complete;

    V get(K key, Backing<K, V> backing) {
        V value = known.get(key);
        if (value != null || complete || known.containsKey(key)) {
            return value;
        }
        value = backing.get(key);
        known.put(key, value);
        return value;
    }

    void put(K key, V value) {
        known.put(key, value);
        dirty.add(key);
    }

    void remove(K key) {
        if (complete) {
            known.remove(key);
        } else {
            known.put(key, null);
        }
        dirty.add(key);
    }

    /**
     * Every entry, with this cache's unwritten changes over the backing map's; reads the backing map
     * once (a full scan), after which the map is complete and entries come from memory.
     */
    Iterable<Map.Entry<K, V>> entries(Backing<K, V> backing) {
        if (!complete) {
            for (Map.Entry<K, V> e : backing.entries()) {
                if (!known.containsKey(e.getKey())) {
                    known.put(e.getKey(), e.getValue());
                }
            }
            known.values().removeIf(Objects::isNull);
            complete = true;
        }
        return Collections.unmodifiableMap(known).entrySet();
    }

    /** The backing map is empty (a new user, or just cleared): nothing is read from it until {@link #forget}. */
    void knownEmpty() {
        known.clear();
        dirty.clear();
        complete = true;
    }

    /** Keys held in memory, absent markers included. */
    int held() {
        return known.size();
    }

    boolean isDirty() {
        return !dirty.isEmpty();
    }

    /** Writes every unwritten change to the backing map, which must be the current key's. */
    void flush(Backing<K, V> backing) {
        for (K key : dirty) {
            V value = known.get(key);
            if (value == null) {
                backing.remove(key);
            } else {
                backing.put(key, value);
            }
        }
        dirty.clear();
        if (!complete) {
            // Absent markers of an incomplete map (seen-id misses, removals) would pile up over a long stay.
            known.values().removeIf(Objects::isNull);
        }
    }

    /** Forgets what is written; the next reads go to the backing map again. Only after {@link #flush}. */
    void forget() {
        if (isDirty()) {
            throw new IllegalStateException("unwritten changes would be lost");
        }
        known.clear();
        complete = false;
    }
}
