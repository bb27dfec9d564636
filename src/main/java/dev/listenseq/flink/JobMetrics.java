package dev.listenseq.flink;

import org.apache.flink.metrics.MetricGroup;

/**
 * Names of the job's own metrics, all under the group {@value #GROUP}. Together the counters prove
 * that nothing is lost: {@code recordsIn = eventsApplied + eventsDuplicate + eventsLate + deadLettered
 * + erasures} (deadLettered summed over its {@value #REASON} label; erasures counts applied deletion
 * requests, input tombstones keyed by a user_id).
 */
public final class JobMetrics {

    public static final String GROUP = "listenseq";
    public static final String REASON = "reason";

    public static final String RECORDS_IN = "recordsIn";
    public static final String DEAD_LETTERED = "deadLettered";
    public static final String APPLIED = "eventsApplied";
    public static final String DUPLICATES = "eventsDuplicate";
    public static final String LATE = "eventsLate";
    /** The part of {@link #LATE} that did not fit the user's event-time buffer (ordering.max-pending). */
    public static final String LATE_PENDING_FULL = "eventsLatePendingFull";
    /** Users whose whole state was cleared after state.expire-after without events. */
    public static final String USERS_EXPIRED = "usersExpired";
    /** Users erased by a tombstone on the input (a deletion request). */
    public static final String ERASURES = "erasures";
    public static final String SNAPSHOTS = "snapshotsEmitted";
    public static final String SEQUENCE_LENGTH = "sequenceLength";
    public static final String EMIT_LATENCY_MS = "emitLatencyMs";
    /** Users the state cache holds (gauge, RocksDB with state.cache-* on). */
    public static final String STATE_CACHE_USERS = "stateCacheUsers";
    /** The state cache's estimate of the heap it takes, in bytes (gauge; see state.cache-memory). */
    public static final String STATE_CACHE_BYTES = "stateCacheBytes";

    /** Samples kept by each histogram (a sliding window of recent values). */
    static final int HISTOGRAM_WINDOW = 10_000;

    private JobMetrics() {
    }

    static MetricGroup group(MetricGroup operatorGroup) {
        return operatorGroup.addGroup(GROUP);
    }
}
