package dev.listenseq.reader;

import dev.listenseq.avro.UserSequence;

/**
 * Which of two snapshots of a user is newer: the higher {@code generation}, then the higher
 * {@code version}. A job that starts without state begins a new generation whose versions restart
 * at 1; comparing versions alone would make every reader ignore that lineage's snapshots for good.
 * Snapshots written before the field existed decode as generation 0, so old topics order as before.
 */
public final class Lineage {

    private Lineage() {
    }

    /** Negative, zero or positive as (g1, v1) is older than, the same as, or newer than (g2, v2). */
    public static int compare(long generation1, long version1, long generation2, long version2) {
        int byGeneration = Long.compare(generation1, generation2);
        return byGeneration != 0 ? byGeneration : Long.compare(version1, version2);
    }

    /** Whether {@code candidate} is strictly newer than {@code held}; any snapshot is newer than none (null). */
    public static boolean newer(UserSequence candidate, UserSequence held) {
        return held == null || compare(candidate.getGeneration(), candidate.getVersion(),
                held.getGeneration(), held.getVersion()) > 0;
    }
}
