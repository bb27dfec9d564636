package dev.listenseq.sequence;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;

import java.util.ArrayList;

/**
 * Applies one valid event to one user's state: late check, de-duplication, repeat-aware merge into
 * the song's item, the recent tail, then eviction by length and age.
 *
 * <p>Per event it reads and writes one item and the user's small {@link UserState}; the cost does
 * not grow with the sequence length (see {@link EvictionQueue} for the only scans). The outcome
 * depends only on the order of this user's events, never on timing or emission.
 */
public final class SequenceUpdater {

    /** What happened to an event. Every valid event has exactly one outcome. */
    public enum Outcome { APPLIED, DUPLICATE, LATE }

    private final SequencePolicy policy;
    private final Weighting weighting;
    private final EvictionQueue evictionQueue;
    private final long seenPruneEveryMs;

    public SequenceUpdater(SequencePolicy policy, Weighting weighting) {
        this(policy, weighting, EvictionQueue.defaultCapacity(policy.maxItems()));
    }

    SequenceUpdater(SequencePolicy policy, Weighting weighting, int queueCapacity) {
        this.policy = policy;
        this.weighting = weighting;
        this.evictionQueue = new EvictionQueue(queueCapacity);
        // Pruning scans the user's seen ids; doing it each time as_of moves 1/8 of the window keeps
        // at most 1/8 extra ids and costs about 8 entry visits per event, amortized.
        this.seenPruneEveryMs = Math.max(1, policy.dedupWindowMs() / 8);
    }

    /** State of a user with no events yet. */
    public static UserState newUser() {
        return UserState.newBuilder()
                .setVersion(0)
                .setAsOf(Long.MIN_VALUE)
                .setItemCount(0)
                .setRecent(new ArrayList<>())
                .setEvictQueue(new ArrayList<>())
                .setQueueBoundTime(Long.MIN_VALUE)
                .setQueueBoundSong("")
                .setSeenPrunedAt(Long.MIN_VALUE)
                .setEmittedVersion(0)
                .setLastEmitMs(Long.MIN_VALUE)
                .setTimerMs(Long.MIN_VALUE)
                .setPendingSinceMs(Long.MIN_VALUE)
                .setSeenCurrent(0)
                .setSeenCount(0)
                .setSeenRotatedAt(Long.MIN_VALUE)
                .setLastRecordMs(Long.MIN_VALUE)
                .setExpiryTimerMs(Long.MIN_VALUE)
                .build();
    }

    /**
     * Cuts the user's recent tail to the policy's length: a tail kept under a larger
     * sequence.recent-events (before a restart with a lower one) is trimmed before it is emitted.
     */
    public void trimRecent(UserState user) {
        RecentTail.trim(user.getRecent(), policy.recentEvents());
    }

    /** Applies a validated event (see {@link EventValidator}) to the user, updating state in place. */
    public Outcome apply(UserState user, ItemStore items, SeenEvents seen, ListenEvent event) {
        long time = event.getEventTime().toEpochMilli();
        boolean firstEvent = user.getVersion() == 0;
        if (!firstEvent && time < user.getAsOf() - policy.maxAgeMs()) {
            return Outcome.LATE;
        }
        String eventId = event.getEventId();
        if (seen.contains(eventId)) {
            return Outcome.DUPLICATE;
        }
        seen.add(eventId, time);

        user.setVersion(user.getVersion() + 1);
        if (firstEvent || time > user.getAsOf()) {
            user.setAsOf(time);
        }
        if (firstEvent) {
            user.setSeenPrunedAt(time);
        }

        ListenType type = event.getType();
        Double completion = type == ListenType.PLAY || type == ListenType.SKIP
                ? weighting.completion(event.getPlayedMs(), event.getDurationMs())
                : null;
        mergeIntoItem(user, items, event, time, completion);
        RecentTail.add(user.getRecent(),
                new RecentEvent(event.getSongId(), type, event.getEventTime(), completion),
                policy.recentEvents());

        long asOf = user.getAsOf();
        user.setItemCount(evictionQueue.evict(
                user, items, user.getItemCount(), policy.maxItems(), asOf - policy.maxAgeMs()));
        if (asOf - user.getSeenPrunedAt() >= seenPruneEveryMs) {
            seen.removeOlderThan(asOf - policy.dedupWindowMs());
            user.setSeenPrunedAt(asOf);
        }
        return Outcome.APPLIED;
    }

    private void mergeIntoItem(UserState user, ItemStore items, ListenEvent event, long time, Double completion) {
        String song = event.getSongId();
        String eventId = event.getEventId();
        ItemState item = items.get(song);
        boolean isNew = item == null;
        long oldLast = isNew ? time : item.getLastTime();
        if (isNew) {
            item = ItemState.newBuilder()
                    .setArtistId(event.getArtistId())
                    .setArtistTime(event.getArtistId() == null ? Long.MIN_VALUE : time)
                    .setFirstTime(time)
                    .setLastTime(time)
                    .setLastEventId(eventId)
                    .setLastType(event.getType())
                    .setPlays(0)
                    .setSkips(0)
                    .setLikeTime(null)
                    .setCollectTime(null)
                    .setListenedMs(0)
                    .setPlaySum(0.0)
                    .setSkipSum(0.0)
                    .build();
        } else {
            boolean newest = time > oldLast || (time == oldLast && eventId.compareTo(item.getLastEventId()) > 0);
            if (time > oldLast) {
                // Re-anchor the decayed sums at the new last_time.
                double rescale = weighting.decay(time - oldLast);
                item.setPlaySum(item.getPlaySum() * rescale);
                item.setSkipSum(item.getSkipSum() * rescale);
                item.setLastTime(time);
            }
            if (newest) {
                item.setLastEventId(eventId);
                item.setLastType(event.getType());
            }
            if (time < item.getFirstTime()) {
                item.setFirstTime(time);
            }
            String artist = event.getArtistId();
            // The artist of the newest event that names one (ties: the greater artist id), so that
            // events of one song naming different artists give the same item in any arrival order.
            if (artist != null && (item.getArtistId() == null || time > item.getArtistTime()
                    || (time == item.getArtistTime() && artist.compareTo(item.getArtistId()) > 0))) {
                item.setArtistId(artist);
                item.setArtistTime(time);
            }
        }

        double fromLast = weighting.decay(item.getLastTime() - time);
        switch (event.getType()) {
            case PLAY:
                item.setPlays(item.getPlays() + 1);
                item.setPlaySum(item.getPlaySum() + weighting.playTerm(completion, event.getPlaySource()) * fromLast);
                item.setListenedMs(item.getListenedMs() + event.getPlayedMs());
                break;
            case SKIP:
                item.setSkips(item.getSkips() + 1);
                item.setSkipSum(item.getSkipSum() + (1.0 - completion) * fromLast);
                item.setListenedMs(item.getListenedMs() + event.getPlayedMs());
                break;
            case LIKE:
                if (item.getLikeTime() == null || time < item.getLikeTime()) {
                    item.setLikeTime(time);
                }
                break;
            case COLLECT:
                if (item.getCollectTime() == null || time < item.getCollectTime()) {
                    item.setCollectTime(time);
                }
                break;
            default:
                throw new IllegalArgumentException("event " + eventId + " has type " + event.getType()
                        + "; validate events before applying them");
        }
        items.put(song, item);

        if (isNew) {
            user.setItemCount(user.getItemCount() + 1);
            evictionQueue.onInsert(user, song, time);
        } else {
            evictionQueue.onUpdate(user, song, oldLast, item.getLastTime());
        }
    }
}
