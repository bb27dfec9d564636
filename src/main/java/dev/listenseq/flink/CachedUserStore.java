package dev.listenseq.flink;

import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.sequence.BoundedSeenIds;
import dev.listenseq.sequence.ItemStore;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.operators.KeyContext;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A write-behind cache of the recently active users' keyed state (state.cache-users, docs/state.md):
 * the decoded user record, the items read or written (all of them after the first snapshot) and the
 * seen ids written since the last checkpoint. Reads of a cached user cost no RocksDB access or
 * decoding, writes only mark the entry changed, and a snapshot is built from memory instead of a
 * scan. The idea of Flink SQL's mini-batch, kept per user.
 *
 * <p>Invariants:
 * <ul>
 *   <li>At most {@code capacity} users are held, and about {@code capacityBytes} of heap
 *       (state.cache-memory, by {@link #estimate}); the least recently used user leaves first, and its
 *       changes are written to keyed state under its key as it leaves. The selected user's size is
 *       taken again when another user is selected, so the budget can be passed by one user's growth;
 *       the selected user never leaves for the budget's sake.</li>
 *   <li>{@link #flush} writes every change before each checkpoint barrier and at the end of input
 *       ({@link SequenceOperator}), so a checkpoint holds exactly what an uncached run would have
 *       written; the keyed-state layout is unchanged. After a failure the cache is simply gone.</li>
 *   <li>What is held overrides keyed state; {@link #clear} (erasure, expiry) drops everything held
 *       and clears keyed state at once, so nothing of an erased user is written back later.</li>
 *   <li>A user without a record has no items and no seen ids (the function writes the record with
 *       every change and clears all of them together), so a new user's maps are known empty and a
 *       new user costs one read.</li>
 *   <li>Seen ids are forgotten at each flush: between checkpoints a user holds at most the ids it
 *       applied, and ids are looked up in keyed state (bloom filters make most misses cheap).</li>
 * </ul>
 * Every call runs with the current key set to the selected user, except {@link #flush} and the
 * eviction, which set each written user's key through {@link KeyContext} and restore the key after.
 */
final class CachedUserStore implements UserStore {

    /*
     * Heap per cached user, estimated from the objects' layout on a 64-bit JVM with compressed
     * references: the entry with its three maps and access-order node; a recent event; an
     * eviction-queue entry; an item held (its key, the ItemState with its strings and boxed times, the
     * map node and a dirty-set node); a seen id held (the id, the boxed time, two nodes).
     */
    static final long ENTRY_BYTES = 640;
    static final long RECENT_BYTES = 120;
    static final long QUEUED_BYTES = 80;
    static final long ITEM_BYTES = 400;
    static final long SEEN_BYTES = 150;

    private final int capacity;
    private final long capacityBytes;
    private final KeyContext keys;
    private final ValueState<UserState> userState;
    private final MapState<String, ItemState> itemState;
    private final List<MapState<String, Long>> seenStates;
    private final WriteBehindMap.Backing<String, ItemState> itemBacking;
    private final List<WriteBehindMap.Backing<String, Long>> seenBacking;
    /** Access order: the least recently selected user first. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final ItemStore items;
    private final BoundedSeenIds.Generation[] generations;
    private Entry current;
    /** The sum of the held entries' {@link Entry#bytes}. */
    private long heldBytes;

    CachedUserStore(int capacity, long capacityBytes, KeyContext keys, ValueState<UserState> userState,
                    MapState<String, ItemState> itemState, MapState<String, Long> seenFirst,
                    MapState<String, Long> seenSecond) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a cache holds at least one user: " + capacity);
        }
        if (capacityBytes < 1) {
            throw new IllegalArgumentException("a cache holds at least one byte: " + capacityBytes);
        }
        this.capacity = capacity;
        this.capacityBytes = capacityBytes;
        this.keys = keys;
        this.userState = userState;
        this.itemState = itemState;
        this.seenStates = List.of(seenFirst, seenSecond);
        this.itemBacking = StateStores.backing(itemState, "item state");
        this.seenBacking = List.of(StateStores.backing(seenFirst, "seen event ids"),
                StateStores.backing(seenSecond, "seen event ids"));
        this.items = new CachedItems();
        this.generations = new BoundedSeenIds.Generation[] {new CachedGeneration(0), new CachedGeneration(1)};
    }

    /** One user's state as held in memory. */
    private static final class Entry {
        final String userId;
        boolean loaded;
        UserState user;
        boolean userChanged;
        /** Its {@link #estimate} when last taken, counted in {@link #heldBytes}. */
        long bytes;
        final WriteBehindMap<String, ItemState> items = new WriteBehindMap<>();
        final List<WriteBehindMap<String, Long>> seen = List.of(new WriteBehindMap<>(), new WriteBehindMap<>());

        Entry(String userId) {
            this.userId = userId;
        }

        boolean changed() {
            return userChanged || items.isDirty() || seen.get(0).isDirty() || seen.get(1).isDirty();
        }

        void knownEmpty() {
            loaded = true;
            user = null;
            userChanged = false;
            items.knownEmpty();
            seen.forEach(WriteBehindMap::knownEmpty);
        }
    }

    @Override
    public void select(String userId) {
        if (current != null) {
            resize(current);
        }
        Entry entry = entries.get(userId);
        if (entry == null) {
            while (!entries.isEmpty() && (entries.size() >= capacity || heldBytes >= capacityBytes)) {
                evictEldest();
            }
            entry = new Entry(userId);
            entries.put(userId, entry);
            resize(entry);
        } else {
            // The selected entry is the newest now, so the eldest is another user while two are held.
            while (entries.size() > 1 && heldBytes > capacityBytes) {
                evictEldest();
            }
        }
        current = entry;
    }

    /** Users held now. */
    int size() {
        return entries.size();
    }

    /** Estimated heap the held users take, as of their last resize. */
    long heldBytes() {
        return heldBytes;
    }

    /** About the heap an entry takes: what it holds, counted by {@link #ENTRY_BYTES} and its kin. */
    static long estimate(UserState user, int itemsHeld, int seenHeld) {
        long bytes = ENTRY_BYTES + ITEM_BYTES * itemsHeld + SEEN_BYTES * seenHeld;
        if (user != null) {
            bytes += RECENT_BYTES * user.getRecent().size() + QUEUED_BYTES * user.getEvictQueue().size();
        }
        return bytes;
    }

    private void resize(Entry entry) {
        long bytes = estimate(entry.user, entry.items.held(), entry.seen.get(0).held() + entry.seen.get(1).held());
        heldBytes += bytes - entry.bytes;
        entry.bytes = bytes;
    }

    /** The selected user, its record read on first use. */
    private Entry current() {
        Entry entry = current;
        if (!entry.loaded) {
            try {
                entry.user = userState.value();
            } catch (Exception e) {
                throw new IllegalStateException("cannot read user state", e);
            }
            entry.loaded = true;
            if (entry.user == null) {
                entry.knownEmpty();
            }
        }
        return entry;
    }

    @Override
    public UserState user() {
        return current().user;
    }

    @Override
    public void update(UserState user) {
        Entry entry = current();
        entry.user = user;
        entry.userChanged = true;
    }

    @Override
    public ItemStore items() {
        return items;
    }

    @Override
    public BoundedSeenIds.Generation seen(int generation) {
        return generations[generation];
    }

    @Override
    public void clear() {
        userState.clear();
        itemState.clear();
        seenStates.forEach(MapState::clear);
        current.knownEmpty();
    }

    @Override
    public void flush() {
        Object key = keys.getCurrentKey();
        for (Entry entry : entries.values()) {
            write(entry);
            resize(entry);
        }
        if (key != null) {
            keys.setCurrentKey(key);
        }
    }

    private void evictEldest() {
        Iterator<Entry> it = entries.values().iterator();
        Entry eldest = it.next();
        it.remove();
        heldBytes -= eldest.bytes;
        if (eldest.changed()) {
            Object key = keys.getCurrentKey();
            write(eldest);
            keys.setCurrentKey(key);
        }
    }

    /** Writes the entry's changes under its key and forgets its seen ids. */
    private void write(Entry entry) {
        if (entry.changed()) {
            keys.setCurrentKey(entry.userId);
            if (entry.userChanged) {
                try {
                    userState.update(entry.user);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot write user state", e);
                }
                entry.userChanged = false;
            }
            entry.items.flush(itemBacking);
            for (int g = 0; g < 2; g++) {
                entry.seen.get(g).flush(seenBacking.get(g));
            }
        }
        entry.seen.forEach(WriteBehindMap::forget);
    }

    private final class CachedItems implements ItemStore {
        @Override
        public ItemState get(String songId) {
            return current().items.get(songId, itemBacking);
        }

        @Override
        public void put(String songId, ItemState item) {
            current().items.put(songId, item);
        }

        @Override
        public void remove(String songId) {
            current().items.remove(songId);
        }

        @Override
        public Iterable<Map.Entry<String, ItemState>> entries() {
            return current().items.entries(itemBacking);
        }
    }

    private final class CachedGeneration implements BoundedSeenIds.Generation {
        private final int generation;

        CachedGeneration(int generation) {
            this.generation = generation;
        }

        @Override
        public boolean contains(String eventId) {
            return current().seen.get(generation).get(eventId, seenBacking.get(generation)) != null;
        }

        @Override
        public void put(String eventId, long eventTime) {
            current().seen.get(generation).put(eventId, eventTime);
        }

        @Override
        public void clear() {
            // A whole generation goes at once (a rotation): clear keyed state now, under the current key.
            seenStates.get(generation).clear();
            current().seen.get(generation).knownEmpty();
        }
    }
}
