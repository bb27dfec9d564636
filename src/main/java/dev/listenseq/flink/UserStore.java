package dev.listenseq.flink;

import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.sequence.BoundedSeenIds;
import dev.listenseq.sequence.ItemStore;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * One user's {@code user}, {@code items} and seen-id states as {@link SequenceFunction} reads and
 * writes them: straight in Flink's keyed state ({@link #direct}), or through the write-behind
 * {@link CachedUserStore}. Every call applies to the user last {@link #select selected}, which must be
 * the operator's current key.
 */
interface UserStore {

    /** A record or timer of {@code userId}, now the current key, is about to use the store. */
    void select(String userId);

    /** The user's record; null when the user has none. */
    UserState user();

    void update(UserState user);

    ItemStore items();

    /** The seen-id generation 0 ({@code seen}) or 1 ({@code seen-b}). */
    BoundedSeenIds.Generation seen(int generation);

    /** Removes the user's record, items and seen ids, in memory and in keyed state. */
    void clear();

    /** Writes every change still held in memory to keyed state. */
    void flush();

    static UserStore direct(ValueState<UserState> user, MapState<String, ItemState> items,
                            MapState<String, Long> seenFirst, MapState<String, Long> seenSecond) {
        ItemStore itemStore = StateStores.items(items);
        BoundedSeenIds.Generation[] generations = {StateStores.generation(seenFirst), StateStores.generation(seenSecond)};
        return new UserStore() {
            @Override
            public void select(String userId) {
            }

            @Override
            public UserState user() {
                try {
                    return user.value();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot read user state", e);
                }
            }

            @Override
            public void update(UserState value) {
                try {
                    user.update(value);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot write user state", e);
                }
            }

            @Override
            public ItemStore items() {
                return itemStore;
            }

            @Override
            public BoundedSeenIds.Generation seen(int generation) {
                return generations[generation];
            }

            @Override
            public void clear() {
                user.clear();
                items.clear();
                seenFirst.clear();
                seenSecond.clear();
            }

            @Override
            public void flush() {
            }
        };
    }
}
