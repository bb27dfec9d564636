package dev.listenseq.flink;

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
 * <p>Invariants: a key held here with a null value is known to be absent; every key in
 * {@code dirty} differs from the backing map (a put or a removal not yet written) and is held here;
 * when {@code complete}, the keys held here with a value are all the keys the map has, so a key not
 * held is absent without asking the backing map.
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
        known.put(key, null);
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
            complete = true;
        }
        return () -> known.entrySet().stream().filter(e -> e.getValue() != null).iterator();
    }

    /** The backing map is empty (a new user, or just cleared): nothing is read from it until {@link #forget}. */
    void knownEmpty() {
        known.clear();
        dirty.clear();
        complete = true;
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
        // Absent markers would pile up over a long stay (every evicted song); a complete map needs none.
        known.values().removeIf(Objects::isNull);
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
