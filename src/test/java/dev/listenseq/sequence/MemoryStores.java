package dev.listenseq.sequence;

import dev.listenseq.avro.state.ItemState;

import java.util.HashMap;
import java.util.Map;

/**
 * Heap implementations of the state interfaces, for tests of the plain logic and for the benchmarks
 * (src/tools), where they stand in for the job's RocksDB map state.
 */
public final class MemoryStores {

    private MemoryStores() {
    }

    public static final class Items implements ItemStore {
        final Map<String, ItemState> map = new HashMap<>();
        int scans;

        @Override
        public ItemState get(String songId) {
            return map.get(songId);
        }

        @Override
        public void put(String songId, ItemState item) {
            map.put(songId, item);
        }

        @Override
        public void remove(String songId) {
            map.remove(songId);
        }

        @Override
        public Iterable<Map.Entry<String, ItemState>> entries() {
            scans++;
            return map.entrySet();
        }
    }

    public static final class Seen implements SeenEvents {
        final Map<String, Long> map = new HashMap<>();

        @Override
        public boolean contains(String eventId) {
            return map.containsKey(eventId);
        }

        @Override
        public void add(String eventId, long eventTime) {
            map.put(eventId, eventTime);
        }

        @Override
        public void removeOlderThan(long eventTime) {
            map.values().removeIf(t -> t < eventTime);
        }
    }
}
