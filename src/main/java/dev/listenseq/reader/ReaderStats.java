package dev.listenseq.reader;

/**
 * What a reader has done so far.
 *
 * @param records     records read from the topic
 * @param kept        snapshots that replaced an older version (or were a user's first)
 * @param stale       snapshots ignored because the same or a higher version was held (duplicates, reordering)
 * @param skipped     records that were not snapshots (undecodable, unknown schema, keyless tombstones, wrong key); a keyed tombstone erases its user
 * @param users       users held
 * @param caughtUp    whether the reader has read what the topic held when it started
 * @param lastSkipped where and why the last record was skipped; null when none was
 * @param ready       whether lookups may be trusted as current: caught up, reading, in touch with the
 *                    broker and within the lag bounds ({@link ReaderConfig.Staleness})
 * @param notReady    why it is not ready; null when it is
 * @param lagRecords  committed records not read yet, as of the last check (-1 before the first)
 * @param silenceMs   time since the last successful request to the broker
 */
public record ReaderStats(long records, long kept, long stale, long skipped, long users, boolean caughtUp,
                          String lastSkipped, boolean ready, String notReady, long lagRecords, long silenceMs) {
}
