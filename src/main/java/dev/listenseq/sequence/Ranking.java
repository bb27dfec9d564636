package dev.listenseq.sequence;

/**
 * The order of a sequence: last_time descending, ties by song_id ascending. Its reverse decides
 * eviction: the lowest-ranked item (oldest last_time, then highest song_id) goes first.
 */
final class Ranking {

    private Ranking() {
    }

    /** Negative when (timeA, songA) ranks lower than (timeB, songB), i.e. would be evicted first. */
    static int compareLow(long timeA, String songA, long timeB, String songB) {
        if (timeA != timeB) {
            return Long.compare(timeA, timeB);
        }
        return songB.compareTo(songA);
    }
}
