package dev.listenseq.sequence;

import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Turns a user's state into the {@link UserSequence} snapshot consumers read: O(n log n) in the items. */
public final class SnapshotBuilder {

    /** Written out, not composed from {@code Comparator.comparing}: see {@link RecentTail#newestFirst}. */
    private static final Comparator<SequenceItem> MOST_RECENT_FIRST = (a, b) -> {
        int c = b.getLastTime().compareTo(a.getLastTime());
        return c != 0 ? c : a.getSongId().compareTo(b.getSongId());
    };

    private final Weighting weighting;

    public SnapshotBuilder(Weighting weighting) {
        this.weighting = weighting;
    }

    public UserSequence build(String userId, UserState user, Iterable<Map.Entry<String, ItemState>> items,
                              long emittedAtMs) {
        long asOf = user.getAsOf();
        List<SequenceItem> sequence = new ArrayList<>(user.getItemCount());
        for (Map.Entry<String, ItemState> e : items) {
            ItemState item = e.getValue();
            sequence.add(new SequenceItem(
                    e.getKey(),
                    item.getArtistId(),
                    Instant.ofEpochMilli(item.getFirstTime()),
                    Instant.ofEpochMilli(item.getLastTime()),
                    item.getLastType(),
                    item.getPlays(),
                    item.getSkips(),
                    item.getLikeTime() != null,
                    item.getCollectTime() != null,
                    item.getListenedMs(),
                    weighting.weight(item, asOf)));
        }
        sequence.sort(MOST_RECENT_FIRST);
        return new UserSequence(userId, user.getVersion(), Instant.ofEpochMilli(asOf),
                Instant.ofEpochMilli(emittedAtMs), sequence, new ArrayList<>(user.getRecent()), 0L);
    }
}
