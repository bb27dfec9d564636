package dev.listenseq.examples;

import dev.listenseq.reader.Lineage;

import java.util.Arrays;

/**
 * Which snapshot a label may see: the point-in-time rule of the training examples.
 *
 * <p>A snapshot's {@code as_of} is the newest event time it applied, so every event in it has an
 * event time at or before {@code as_of}. A snapshot is usable for a label at time t exactly when
 * {@code as_of < t}: then it holds nothing at or after t, in particular not the label's own event.
 * The equal case is excluded on purpose: a snapshot with {@code as_of == t} may already contain the
 * label event (or another event of the same millisecond). Among the usable snapshots the newest
 * lineage wins, then the highest version ({@link Lineage}): the job's version counts applied events
 * and only grows within a generation, and a job started without state on purpose begins a higher
 * generation whose versions restart at 1, so (generation, version) is the latest state before t.
 * Out-of-order arrivals cannot leak either: an event applied late makes {@code as_of} at least its
 * own time, and a snapshot emitted after a later event has {@code as_of} past it.
 */
public final class PointInTime {

    private PointInTime() {
    }

    /** Whether a snapshot with this as_of holds only events strictly before the label time. */
    public static boolean usable(long snapshotAsOf, long labelTime) {
        return snapshotAsOf < labelTime;
    }

    /**
     * The answer of every label of one user: for labels sorted by time, the index of the newest
     * snapshot, by (generation, version), among those with {@code asOf < label time}, or -1 when
     * there is none. One sweep over the snapshots sorted by as_of; the inputs are left unchanged.
     * Versions need not follow as_of (replays of an at-least-once output repeat old versions late in
     * the topic, and a new generation restarts them).
     */
    public static int[] choose(long[] labelTimes, long[] asOf, long[] generation, long[] version) {
        Integer[] order = new Integer[asOf.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> asOf[a] != asOf[b] ? Long.compare(asOf[a], asOf[b])
                : Lineage.compare(generation[a], version[a], generation[b], version[b]));
        int[] answer = new int[labelTimes.length];
        int best = -1;
        int j = 0;
        for (int k = 0; k < labelTimes.length; k++) {
            if (k > 0 && labelTimes[k] < labelTimes[k - 1]) {
                throw new IllegalArgumentException("label times must be sorted");
            }
            while (j < order.length && usable(asOf[order[j]], labelTimes[k])) {
                int candidate = order[j];
                if (best < 0 || Lineage.compare(generation[candidate], version[candidate],
                        generation[best], version[best]) > 0) {
                    best = candidate;
                }
                j++;
            }
            answer[k] = best;
        }
        return answer;
    }
}
