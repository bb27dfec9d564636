package dev.listenseq.sequence;

import dev.listenseq.avro.state.ItemState;

import java.util.Map;

/**
 * One user's items by song_id. In the job this is Flink MapState (one RocksDB entry per song), so
 * a get or put costs the same however long the sequence is; {@link #entries()} is a full scan and
 * is only used to build a snapshot or to refill the eviction queue.
 */
public interface ItemStore {

    ItemState get(String songId);

    void put(String songId, ItemState item);

    void remove(String songId);

    Iterable<Map.Entry<String, ItemState>> entries();
}
