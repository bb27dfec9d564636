package dev.listenseq.sequence;

import dev.listenseq.avro.RecentEvent;

import java.util.Comparator;
import java.util.List;

/**
 * The newest raw events of a user, newest first. "Newest" is by event time (ties broken by the
 * event's content), so the tail is the same whatever order the events arrived in.
 */
final class RecentTail {

    static final Comparator<RecentEvent> NEWEST_FIRST = Comparator
            .comparing((RecentEvent e) -> e.getEventTime()).reversed()
            .thenComparing(RecentEvent::getSongId)
            .thenComparing(RecentEvent::getType)
            .thenComparing(RecentEvent::getCompletion, Comparator.nullsFirst(Comparator.naturalOrder()));

    private RecentTail() {
    }

    /** Adds the event if it is among the newest {@code limit}; a tail kept under a larger limit is cut to this one. */
    static void add(List<RecentEvent> tail, RecentEvent event, int limit) {
        trim(tail, limit);
        if (limit == 0) {
            return;
        }
        int lo = 0;
        int hi = tail.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (NEWEST_FIRST.compare(tail.get(mid), event) <= 0) {
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
