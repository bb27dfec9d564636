package dev.listenseq.examples;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an {@link Example} from a label and the snapshot the point-in-time rule chose for it.
 *
 * <p>The snapshot's items are already most recent first; the first L become the arrays. Every
 * value comes from the snapshot as the job emitted it ({@code weight} decayed to the snapshot's
 * {@code as_of}, exactly what serving sees), except the recency bucket, measured from the item's
 * {@code last_time} to the label time. The completion of an item's last listen comes from the
 * snapshot's {@code recent} tail (the newest PLAY or SKIP of that song there): items whose last
 * listen fell out of the tail, or that were never listened to, get -1.
 */
public final class ExampleBuilder {

    /** last_type codes: 0 padding, then the ListenType symbols in schema order plus one. */
    public static int typeCode(ListenType type) {
        return type.ordinal() + 1;
    }

    private ExampleBuilder() {
    }

    public static Example build(Label label, UserSequence snapshot, Vocabulary vocab, int length) {
        if (!PointInTime.usable(snapshot.getAsOf().toEpochMilli(), label.time())) {
            throw new IllegalArgumentException("snapshot as_of " + snapshot.getAsOf() + " is not before the label time "
                    + label.time() + " of " + label.eventId());
        }
        Map<String, Double> lastListen = new HashMap<>();
        for (RecentEvent e : snapshot.getRecent()) {
            if ((e.getType() == ListenType.PLAY || e.getType() == ListenType.SKIP) && e.getCompletion() != null) {
                lastListen.putIfAbsent(e.getSongId(), e.getCompletion());
            }
        }
        List<SequenceItem> items = snapshot.getItems();
        int n = Math.min(length, items.size());
        int[] song = new int[length];
        int[] artist = new int[length];
        float[] weight = new float[length];
        int[] plays = new int[length];
        int[] skips = new int[length];
        boolean[] liked = new boolean[length];
        boolean[] collected = new boolean[length];
        int[] lastType = new int[length];
        float[] completion = new float[length];
        int[] recency = new int[length];
        boolean[] mask = new boolean[length];
        for (int i = 0; i < n; i++) {
            SequenceItem item = items.get(i);
            song[i] = vocab.index(Vocabulary.Kind.SONG, item.getSongId());
            artist[i] = item.getArtistId() == null ? Vocabulary.OOV : vocab.index(Vocabulary.Kind.ARTIST, item.getArtistId());
            weight[i] = (float) item.getWeight();
            plays[i] = item.getPlays();
            skips[i] = item.getSkips();
            liked[i] = item.getLiked();
            collected[i] = item.getCollected();
            lastType[i] = typeCode(item.getLastType());
            Double c = lastListen.get(item.getSongId());
            completion[i] = c == null ? -1f : c.floatValue();
            recency[i] = TimeBuckets.bucket(label.time() - item.getLastTime().toEpochMilli());
            mask[i] = true;
        }
        return new Example(label.userId(), label.time(), label.type().name(), label.eventId(),
                label.songId(), vocab.index(Vocabulary.Kind.SONG, label.songId()),
                label.artistId(), label.artistId() == null ? Vocabulary.OOV : vocab.index(Vocabulary.Kind.ARTIST, label.artistId()),
                snapshot.getVersion(), snapshot.getAsOf().toEpochMilli(), n,
                song, artist, weight, plays, skips, liked, collected, lastType, completion, recency, mask);
    }
}
