package dev.listenseq.sequence;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.PlaySource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random but reproducible event streams with replays, ties, out-of-order, late events and duplicates. */
final class RandomEvents {

    static final long DAY = 86_400_000L;
    static final long BASE = 1_700_000_000_000L;

    private RandomEvents() {
    }

    /** n events over span ms for one user, songs s0..s{songs-1}; a few percent are exact duplicates. */
    static List<ListenEvent> stream(Random r, int n, int songs, long span, double outOfOrder) {
        List<ListenEvent> out = new ArrayList<>();
        long previous = BASE;
        for (int i = 0; i < n; i++) {
            if (i > 0 && r.nextDouble() < 0.05) {
                ListenEvent original = out.get(r.nextInt(out.size()));
                out.add(ListenEvent.newBuilder(original).build());
                continue;
            }
            long t;
            double roll = r.nextDouble();
            if (roll < 0.05) {
                t = previous;
            } else if (roll < 0.05 + outOfOrder) {
                t = BASE + (long) ((double) i * span / n) - (long) (r.nextDouble() * 15 * DAY);
            } else {
                t = BASE + (long) ((double) i * span / n) + r.nextInt(60_000);
            }
            previous = t;
            int song = r.nextBoolean() ? r.nextInt(Math.min(3, songs)) : r.nextInt(songs);
            out.add(event("e" + i, "s" + song, type(r), t, r));
        }
        return out;
    }

    static ListenEvent event(String id, String song, ListenType type, long time, Random r) {
        boolean timed = type == ListenType.PLAY || type == ListenType.SKIP;
        return ListenEvent.newBuilder()
                .setEventId(id)
                .setUserId("u")
                .setSongId(song)
                .setArtistId(r.nextDouble() < 0.2 ? null : "artist-of-" + song)
                .setType(type)
                .setEventTime(Instant.ofEpochMilli(time))
                .setPlayedMs(timed ? (long) r.nextInt(300_000) : null)
                .setDurationMs(timed && r.nextDouble() < 0.7 ? 60_000L + r.nextInt(300_000) : null)
                .setContext(null)
                .setPlaySource(playSource(r))
                .build();
    }

    /** A random play source, or none (as every v1 event). */
    static PlaySource playSource(Random r) {
        int i = r.nextInt(PlaySource.values().length + 1);
        return i == 0 ? null : PlaySource.values()[i - 1];
    }

    static ListenType type(Random r) {
        double roll = r.nextDouble();
        return roll < 0.55 ? ListenType.PLAY : roll < 0.80 ? ListenType.SKIP : roll < 0.92 ? ListenType.LIKE : ListenType.COLLECT;
    }
}
