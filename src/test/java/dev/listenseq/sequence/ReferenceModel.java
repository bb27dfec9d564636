package dev.listenseq.sequence;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * the sequence semantics of docs/design.md written the slow, obvious way: keep every applied event per
 * song, recompute every aggregate and weight from the raw events, evict by sorting everything.
 * Shares no code with the production updater; tests compare the two.
 */
final class ReferenceModel {

    /** One item as the spec defines it, computed from its events. */
    record Item(String song, String artist, long first, long last, ListenType lastType, int plays, int skips,
                boolean liked, boolean collected, long listened, double weight) {
    }

    /** One entry of the recent tail. */
    record Recent(String song, ListenType type, long time, Double completion) {
    }

    private final int maxItems;
    private final long maxAge;
    private final int recentLimit;
    private final double halfLife;
    private final double defaultDuration;
    private final double repeatBoost;
    private final double skipPenalty;
    private final double likeWeight;
    private final double collectWeight;
    private final PlaySourceWeights playSources;

    private final Map<String, List<ListenEvent>> items = new HashMap<>();
    private final Set<String> seen = new HashSet<>();
    private final List<Recent> applied = new ArrayList<>();
    private long version;
    private long asOf;

    ReferenceModel(SequencePolicy policy, Weighting w) {
        this.maxItems = policy.maxItems();
        this.maxAge = policy.maxAgeMs();
        this.recentLimit = policy.recentEvents();
        this.halfLife = w.halfLifeMs();
        this.defaultDuration = w.defaultDurationMs();
        this.repeatBoost = w.repeatBoost();
        this.skipPenalty = w.skipPenalty();
        this.likeWeight = w.likeWeight();
        this.collectWeight = w.collectWeight();
        this.playSources = w.playSources();
    }

    SequenceUpdater.Outcome apply(ListenEvent e) {
        long t = e.getEventTime().toEpochMilli();
        if (version > 0 && t < asOf - maxAge) {
            return SequenceUpdater.Outcome.LATE;
        }
        if (!seen.add(e.getEventId())) {
            return SequenceUpdater.Outcome.DUPLICATE;
        }
        version++;
        asOf = version == 1 ? t : Math.max(asOf, t);
        items.computeIfAbsent(e.getSongId(), s -> new ArrayList<>()).add(e);
        applied.add(new Recent(e.getSongId(), e.getType(), t, completion(e)));

        items.values().removeIf(events -> last(events) < asOf - maxAge);
        List<String> ranked = rankedSongs();
        for (int i = maxItems; i < ranked.size(); i++) {
            items.remove(ranked.get(i));
        }
        return SequenceUpdater.Outcome.APPLIED;
    }

    long version() {
        return version;
    }

    long asOf() {
        return asOf;
    }

    /** The sequence, most recent first. */
    List<Item> sequence() {
        List<Item> result = new ArrayList<>();
        for (String song : rankedSongs()) {
            result.add(item(song, items.get(song)));
        }
        return result;
    }

    List<Recent> recent() {
        List<Recent> sorted = new ArrayList<>(applied);
        sorted.sort(Comparator.comparingLong(Recent::time).reversed()
                .thenComparing(Recent::song)
                .thenComparing(Recent::type)
                .thenComparing(Recent::completion, Comparator.nullsFirst(Comparator.naturalOrder())));
        return sorted.subList(0, Math.min(recentLimit, sorted.size()));
    }

    private List<String> rankedSongs() {
        List<String> songs = new ArrayList<>(items.keySet());
        songs.sort(Comparator.comparingLong((String s) -> last(items.get(s))).reversed()
                .thenComparing(Comparator.naturalOrder()));
        return songs;
    }

    private static long last(List<ListenEvent> events) {
        return events.stream().mapToLong(e -> e.getEventTime().toEpochMilli()).max().orElseThrow();
    }

    private Double completion(ListenEvent e) {
        if (e.getType() != ListenType.PLAY && e.getType() != ListenType.SKIP) {
            return null;
        }
        double duration = e.getDurationMs() != null ? e.getDurationMs() : defaultDuration;
        return Math.max(0, Math.min(1, e.getPlayedMs() / duration));
    }

    private double decay(long t) {
        return Math.pow(2, -(asOf - t) / halfLife);
    }

    private Item item(String song, List<ListenEvent> events) {
        long first = Long.MAX_VALUE;
        ListenEvent newest = null;
        String artist = null;
        long artistTime = Long.MIN_VALUE;
        int plays = 0;
        int skips = 0;
        long listened = 0;
        double playSum = 0;
        double skipSum = 0;
        Long firstLike = null;
        Long firstCollect = null;
        for (ListenEvent e : events) {
            long t = e.getEventTime().toEpochMilli();
            first = Math.min(first, t);
            if (newest == null || t > newest.getEventTime().toEpochMilli()
                    || (t == newest.getEventTime().toEpochMilli() && e.getEventId().compareTo(newest.getEventId()) > 0)) {
                newest = e;
            }
            // The artist of the newest event naming one; at equal times the greatest artist id.
            if (e.getArtistId() != null && (artist == null || t > artistTime
                    || (t == artistTime && e.getArtistId().compareTo(artist) > 0))) {
                artist = e.getArtistId();
                artistTime = t;
            }
            switch (e.getType()) {
                case PLAY:
                    plays++;
                    listened += e.getPlayedMs();
                    playSum += playSources.multiplier(e.getPlaySource()) * completion(e) * decay(t);
                    break;
                case SKIP:
                    skips++;
                    listened += e.getPlayedMs();
                    skipSum += (1 - completion(e)) * decay(t);
                    break;
                case LIKE:
                    firstLike = firstLike == null ? t : Math.min(firstLike, t);
                    break;
                case COLLECT:
                    firstCollect = firstCollect == null ? t : Math.min(firstCollect, t);
                    break;
                default:
                    throw new IllegalArgumentException(e.getType().toString());
            }
        }
        double weight = (1 + (plays > 0 ? repeatBoost * Math.log(plays) : 0)) * playSum - skipPenalty * skipSum
                + (firstLike == null ? 0 : likeWeight * decay(firstLike))
                + (firstCollect == null ? 0 : collectWeight * decay(firstCollect));
        return new Item(song, artist, first, newest.getEventTime().toEpochMilli(), newest.getType(), plays, skips,
                firstLike != null, firstCollect != null, listened, weight);
    }
}
