package dev.listenseq.reader;

import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;

import java.util.stream.Collectors;

/** Snapshots for people: a header line, the sequence as a table, and the recent events. */
public final class SnapshotText {

    private SnapshotText() {
    }

    public static String render(UserSequence s) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%s  version %,d  as_of %s  emitted %s  %d songs%n", s.getUserId(), s.getVersion(),
                s.getAsOf(), s.getEmittedAt(), s.getItems().size()));
        b.append(String.format("  %4s  %-16s %-14s %5s %5s %-5s %9s %9s  %s%n",
                "#", "song", "artist", "plays", "skips", "flags", "listened", "weight", "last"));
        int rank = 1;
        for (SequenceItem item : s.getItems()) {
            String flags = (item.getLiked() ? "L" : "") + (item.getCollected() ? "C" : "");
            b.append(String.format("  %4d  %-16s %-14s %5d %5d %-5s %9s %9.3f  %s %s%n", rank++, item.getSongId(),
                    item.getArtistId() == null ? "-" : item.getArtistId(), item.getPlays(), item.getSkips(), flags,
                    minutes(item.getListenedMs()), item.getWeight(), item.getLastType(), item.getLastTime()));
        }
        if (!s.getRecent().isEmpty()) {
            b.append("  recent: ").append(s.getRecent().stream().map(SnapshotText::recent)
                    .collect(Collectors.joining(", "))).append('\n');
        }
        return b.toString();
    }

    /** One line per snapshot, for tail. */
    public static String line(UserSequence s) {
        String top = s.getItems().stream().limit(3)
                .map(i -> i.getSongId() + " " + String.format("%.2f", i.getWeight()))
                .collect(Collectors.joining(", "));
        return String.format("%s  v%d  as_of %s  %d songs  %s", s.getUserId(), s.getVersion(), s.getAsOf(),
                s.getItems().size(), top);
    }

    private static String recent(RecentEvent e) {
        return e.getType() + " " + e.getSongId() + " " + e.getEventTime()
                + (e.getCompletion() == null ? "" : String.format(" (%.0f%%)", 100 * e.getCompletion()));
    }

    private static String minutes(long ms) {
        long s = ms / 1000;
        return String.format("%dm%02ds", s / 60, s % 60);
    }
}
