package dev.listenseq.flink;

import dev.listenseq.kafka.SnapshotRecord;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * Runs {@link SequenceFunction} with its write-behind state cache (state.cache-users and
 * state.cache-memory, {@link CachedUserStore}). A keyed process function cannot write another user's state, which
 * evicting a user from the cache and flushing it need; an operator can set the current key. This one
 * writes every cached change to keyed state before each checkpoint barrier (so every checkpoint and
 * savepoint holds what an uncached run writes) and when the input ends.
 *
 * <p>Otherwise it is Flink's {@link KeyedProcessOperator}: the same timer service ("user-timers"),
 * the same keyed and operator state, so it restores savepoints of the plain operator under the same
 * uid and back. The cache is used on RocksDB only: the heap backend hands out its own objects, which
 * its copy-on-write snapshots expect to be changed only through the state API, and needs no cache.
 */
public final class SequenceOperator extends KeyedProcessOperator<String, KeyedRecord, SnapshotRecord> {

    private static final long serialVersionUID = 1L;

    private final StateCache cache;

    /** @param cache how much state is kept in memory, per parallel instance */
    public SequenceOperator(SequenceFunction function, StateCache cache) {
        super(function);
        this.cache = cache;
    }

    @Override
    public void open() throws Exception {
        if (cache.on() && getKeyedStateBackend() instanceof RocksDBKeyedStateBackend) {
            function().useStateCache(this, cache);
        }
        super.open();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        function().flushStateCache();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        function().flushStateCache();
        super.finish();
    }

    private SequenceFunction function() {
        return (SequenceFunction) getUserFunction();
    }
}
