package dev.listenseq.flink;

import java.io.Serializable;

/**
 * How much of the recently active users' state each parallel instance keeps decoded in memory
 * ({@link CachedUserStore}, RocksDB only): at most {@code users} users and about {@code bytes} of
 * heap, whichever is reached first (state.cache-users, state.cache-memory). Either at 0 turns the
 * cache off.
 */
public record StateCache(int users, long bytes) implements Serializable {

    public static final StateCache OFF = new StateCache(0, 0);

    public StateCache {
        if (users < 0 || bytes < 0) {
            throw new IllegalArgumentException("state.cache-users is " + users + " and state.cache-memory is "
                    + bytes + " bytes; each must be 0 (off) or more");
        }
    }

    public boolean on() {
        return users > 0 && bytes > 0;
    }
}
