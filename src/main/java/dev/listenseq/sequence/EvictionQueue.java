package dev.listenseq.sequence;

import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.QueuedItem;
import dev.listenseq.avro.state.UserState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Finds the lowest-ranked items without scanning the sequence on every event.
 *
 * <p>Invariant, kept in {@link UserState}: {@code evict_queue} holds exactly the items ranked at or
 * below the bound ({@code queue_bound_time}, {@code queue_bound_song}), lowest first; every other
 * item ranks above the bound. An item's rank only rises (last_time never decreases), so items never
 * enter the queue by being updated, only by being inserted below the bound. The lowest item of the
 * whole sequence is therefore the head of the queue whenever the queue is not empty. When it is
 * empty and an eviction may be due, one scan refills it with the {@code capacity} lowest items.
 *
 * <p>Cost: O(capacity) per event to keep the queue (it lives in the user's small value state),
 * plus one O(n) scan per {@code capacity} evictions or queue departures, with capacity about
 * sqrt(max-items): never a scan per event.
 */
final class EvictionQueue {

    private final int capacity;

    EvictionQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
    }

    static int defaultCapacity(int maxItems) {
        return Math.max(16, (int) Math.ceil(Math.sqrt(maxItems)));
    }

    /** A new item (song, time) was added to the store. */
    void onInsert(UserState user, String song, long time) {
        if (atOrBelowBound(user, time, song)) {
            insertSorted(user.getEvictQueue(), song, time);
            trim(user);
        }
    }

    /** An existing item's last_time rose from oldTime to newTime. */
    void onUpdate(UserState user, String song, long oldTime, long newTime) {
        if (oldTime == newTime || !atOrBelowBound(user, oldTime, song)) {
            return;
        }
        List<QueuedItem> queue = user.getEvictQueue();
        queue.remove(indexOf(queue, song, oldTime));
        if (atOrBelowBound(user, newTime, song)) {
            insertSorted(queue, song, newTime);
        }
    }

    /**
     * Evicts the lowest items while there are more than maxItems or the lowest is older than the
     * horizon; returns the new item count.
     */
    int evict(UserState user, ItemStore items, int itemCount, int maxItems, long horizon) {
        int count = itemCount;
        while (count > 0) {
            List<QueuedItem> queue = user.getEvictQueue();
            if (queue.isEmpty()) {
                // Items above the bound have last_time >= the bound's, so none is expired unless the bound is.
                if (count <= maxItems && user.getQueueBoundTime() >= horizon) {
                    break;
                }
                refill(user, items);
                queue = user.getEvictQueue();
            }
            QueuedItem lowest = queue.get(0);
            if (count <= maxItems && lowest.getLastTime() >= horizon) {
                break;
            }
            items.remove(lowest.getSongId());
            queue.remove(0);
            count--;
        }
        return count;
    }

    private void refill(UserState user, ItemStore items) {
        Comparator<QueuedItem> low = (a, b) -> Ranking.compareLow(
                a.getLastTime(), a.getSongId(), b.getLastTime(), b.getSongId());
        PriorityQueue<QueuedItem> highestFirst = new PriorityQueue<>(capacity + 1, low.reversed());
        for (Map.Entry<String, ItemState> e : items.entries()) {
            long time = e.getValue().getLastTime();
            if (highestFirst.size() == capacity) {
                // Most items rank above the capacity lowest seen so far: compare before allocating.
                QueuedItem highest = highestFirst.peek();
                if (Ranking.compareLow(time, e.getKey(), highest.getLastTime(), highest.getSongId()) >= 0) {
                    continue;
                }
                highestFirst.poll();
            }
            highestFirst.add(new QueuedItem(e.getKey(), time));
        }
        List<QueuedItem> queue = new ArrayList<>(highestFirst);
        queue.sort(low);
        user.setEvictQueue(queue);
        if (queue.isEmpty()) {
            user.setQueueBoundTime(Long.MIN_VALUE);
            user.setQueueBoundSong("");
        } else {
            setBound(user, queue.get(queue.size() - 1));
        }
    }

    /** Keeps the queue small: past 2x capacity, the highest entries leave it and the bound drops. */
    private void trim(UserState user) {
        List<QueuedItem> queue = user.getEvictQueue();
        if (queue.size() <= 2 * capacity) {
            return;
        }
        queue.subList(capacity, queue.size()).clear();
        setBound(user, queue.get(capacity - 1));
    }

    private static void setBound(UserState user, QueuedItem item) {
        user.setQueueBoundTime(item.getLastTime());
        user.setQueueBoundSong(item.getSongId());
    }

    private static boolean atOrBelowBound(UserState user, long time, String song) {
        return Ranking.compareLow(time, song, user.getQueueBoundTime(), user.getQueueBoundSong()) <= 0;
    }

    private static void insertSorted(List<QueuedItem> queue, String song, long time) {
        int lo = 0;
        int hi = queue.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            QueuedItem q = queue.get(mid);
            if (Ranking.compareLow(q.getLastTime(), q.getSongId(), time, song) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        queue.add(lo, new QueuedItem(song, time));
    }

    private static int indexOf(List<QueuedItem> queue, String song, long time) {
        for (int i = 0; i < queue.size(); i++) {
            QueuedItem q = queue.get(i);
            if (q.getLastTime() == time && q.getSongId().equals(song)) {
                return i;
            }
        }
        throw new IllegalStateException("eviction queue lost " + song + "@" + time + ": state is inconsistent");
    }
}
