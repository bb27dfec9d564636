package dev.listenseq.sequence;

import dev.listenseq.avro.RecentEvent;

import java.util.List;

/**
 * The newest raw events of a user, newest first. "Newest" is by event time (ties broken by the
 * event's content), so the tail is the same whatever order the events arrived in.
 */
final class RecentTail {

    /**
     * Newest event time first, then song id, type and completion (absent first). Written out rather
     * than composed from {@code Comparator.comparing}: the composed form's shared lambdas do not
     * inline where other comparators run too, and this runs on every applied event (JFR).
     */
    static int newestFirst(RecentEvent a, RecentEvent b) {
        int c = b.getEventTime().compareTo(a.getEventTime());
        if (c != 0) {
            return c;
        }
        c = a.getSongId().compareTo(b.getSongId());
        if (c != 0) {
            return c;
        }
        c = a.getType().compareTo(b.getType());
        if (c != 0) {
            return c;
        }
        Double x = a.getCompletion();
        Double y = b.getCompletion();
        if (x == null || y == null) {
            return x == null ? (y == null ? 0 : -1) : 1;
        }
        return x.compareTo(y);
    }

    private RecentTail() {
    }

    /** Adds the event if it is among the newest {@code limit}; a tail kept under a larger limit is cut to this one. */
    static void add(List<RecentEvent> tail, RecentEvent event, int limit) {
        trim(tail, limit);
        if (limit == 0) {
            return;
        }
        int lo = 0;
        // Events mostly arrive newest: then the first comparison places it.
        int hi = tail.isEmpty() || newestFirst(tail.get(0), event) > 0 ? 0 : tail.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (newestFirst(tail.get(mid), event) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo >= limit) {
            return;
        }
        tail.add(lo, event);
        if (tail.size() > limit) {
            tail.remove(tail.size() - 1);
        }
    }

    /** Cuts the tail to its newest {@code limit} events (sequence.recent-events may be lowered between runs). */
    static void trim(List<RecentEvent> tail, int limit) {
        if (tail.size() > limit) {
            tail.subList(limit, tail.size()).clear();
        }
    }
}
