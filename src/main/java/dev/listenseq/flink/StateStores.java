package dev.listenseq.flink;

import dev.listenseq.avro.state.ItemState;
import dev.listenseq.sequence.ItemStore;
import dev.listenseq.sequence.BoundedSeenIds;
import org.apache.flink.api.common.state.MapState;

import java.util.Map;

/**
 * Adapters from Flink MapState (scoped to the current key) to the plain interfaces of the sequence
 * logic. State access failures are infrastructure failures: they propagate and restart the job.
 */
final class StateStores {

    private StateStores() {
    }

    static ItemStore items(MapState<String, ItemState> state) {
        return new ItemStore() {
            @Override
            public ItemState get(String songId) {
                try {
                    return state.get(songId);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot read item state", e);
                }
            }

            @Override
            public void put(String songId, ItemState item) {
                try {
                    state.put(songId, item);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot write item state", e);
                }
            }

            @Override
            public void remove(String songId) {
                try {
                    state.remove(songId);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot remove item state", e);
                }
            }

            @Override
            public Iterable<Map.Entry<String, ItemState>> entries() {
                try {
                    return state.entries();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot scan item state", e);
                }
            }
        };
    }

    static BoundedSeenIds.Generation generation(MapState<String, Long> state) {
        return new BoundedSeenIds.Generation() {
            @Override
            public boolean contains(String eventId) {
                try {
                    return state.contains(eventId);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot read seen event ids", e);
                }
            }

            @Override
            public void put(String eventId, long eventTime) {
                try {
                    state.put(eventId, eventTime);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot write seen event ids", e);
                }
            }

            @Override
            public void clear() {
                state.clear();
            }
        };
    }

    /** The map behind a {@link WriteBehindMap}: {@code state} as the current key sees it. */
    static <K, V> WriteBehindMap.Backing<K, V> backing(MapState<K, V> state, String what) {
        return new WriteBehindMap.Backing<>() {
            @Override
            public V get(K key) {
                try {
                    return state.get(key);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot read " + what, e);
                }
            }

            @Override
            public Iterable<Map.Entry<K, V>> entries() {
                try {
                    return state.entries();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot scan " + what, e);
                }
            }

            @Override
            public void put(K key, V value) {
                try {
                    state.put(key, value);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot write " + what, e);
                }
            }

            @Override
            public void remove(K key) {
                try {
                    state.remove(key);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot remove " + what, e);
                }
            }
        };
    }
}
