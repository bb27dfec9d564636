package dev.listenseq.reader;

import java.util.concurrent.ConcurrentHashMap;

/** Snapshots on the heap: a concurrent map from user to its latest encoded snapshot. */
public final class MemoryStore implements SnapshotStore {

    private final ConcurrentHashMap<String, Entry> latest = new ConcurrentHashMap<>();

    @Override
    public boolean putIfNewer(String user, long generation, long version, byte[] encoded) {
        Entry held = latest.get(user);
        if (held != null && Lineage.compare(generation, version, held.generation(), held.version()) <= 0) {
            return false;
        }
        latest.put(user, new Entry(generation, version, encoded));
        return true;
    }

    @Override
    public boolean remove(String user) {
        return latest.remove(user) != null;
    }

    @Override
    public Entry get(String user) {
        return latest.get(user);
    }

    @Override
    public long size() {
        return latest.size();
    }

    @Override
    public void close() {
        latest.clear();
    }
}
