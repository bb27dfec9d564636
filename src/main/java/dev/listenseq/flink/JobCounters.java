package dev.listenseq.flink;

import java.util.Map;
import java.util.TreeMap;

/** A reading of the job's counters, summed over subtasks. */
public final class JobCounters {

    private final Map<String, Long> sums;

    JobCounters(Map<String, Long> sums) {
        this.sums = Map.copyOf(sums);
    }

    public long recordsIn() {
        return get(JobMetrics.RECORDS_IN);
    }

    public long applied() {
        return get(JobMetrics.APPLIED);
    }

    public long duplicates() {
        return get(JobMetrics.DUPLICATES);
    }

    public long late() {
        return get(JobMetrics.LATE);
    }

    /** Users erased: input tombstones applied (one per deletion request, including repeated ones). */
    public long erasures() {
        return get(JobMetrics.ERASURES);
    }

    public long snapshots() {
        return get(JobMetrics.SNAPSHOTS);
    }

    /** Dead letters over all reasons. */
    public long deadLettered() {
        return deadLetteredByReason().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Dead letters per reason, reasons with none left out. */
    public Map<String, Long> deadLetteredByReason() {
        String prefix = JobMetrics.DEAD_LETTERED + "{" + JobMetrics.REASON + "=";
        Map<String, Long> byReason = new TreeMap<>();
        sums.forEach((label, count) -> {
            if (label.startsWith(prefix) && count > 0) {
                byReason.put(label.substring(prefix.length(), label.length() - 1), count);
            }
        });
        return byReason;
    }

    /** Records that have not (yet) got an outcome: zero once the job has caught up. */
    public long unaccounted() {
        return recordsIn() - applied() - duplicates() - late() - deadLettered() - erasures();
    }

    /** Any counter of the job's metric groups by name (e.g. the sinks' snapshotsTrimmed), summed; 0 when absent. */
    public long count(String name) {
        return get(name);
    }

    private long get(String name) {
        return sums.getOrDefault(name, 0L);
    }

    @Override
    public String toString() {
        return "in=" + recordsIn() + " applied=" + applied() + " duplicates=" + duplicates() + " late=" + late()
                + " deadLettered=" + deadLettered() + deadLetteredByReason() + " erasures=" + erasures()
                + " snapshots=" + snapshots();
    }
}
