package dev.listenseq.codec;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written snapshot writer produces exactly Avro's bytes, so any reader sees no difference. */
class UserSequenceEncoderTest {

    private final SingleObjectCodec<UserSequence> avro = SingleObjectCodec.of(UserSequence.class);
    private final UserSequenceEncoder encoder = new UserSequenceEncoder();

    @Test
    void writesTheSameBytesAsAvroForRandomSnapshots() throws Exception {
        Random r = new Random(5);
        for (int n = 0; n < 2_000; n++) {
            UserSequence s = randomSnapshot(r);
            byte[] expected = avro.encode(s);
            assertArrayEquals(expected, encoder.encode(s), "snapshot " + n + ": " + s);
            assertEquals(s, avro.decode(encoder.encode(s)));
        }
    }

    @Test
    void aSnapshotOverItsLimitLosesItsLowestRankedItemsAndStaysAvro() throws Exception {
        List<SequenceItem> items = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            items.add(new SequenceItem("song-" + i + "-" + "x".repeat(110), "artist-" + "y".repeat(100),
                    Instant.ofEpochMilli(1_700_000_000_000L - i), Instant.ofEpochMilli(1_700_000_000_000L - i),
                    ListenType.PLAY, 3, 1, true, false, 1234L, 1.5));
        }
        List<RecentEvent> recent = List.of(new RecentEvent("song-0", ListenType.PLAY, Instant.ofEpochMilli(1), 0.5));
        UserSequence s = new UserSequence("user-1", 10_000L, Instant.ofEpochMilli(5), Instant.ofEpochMilli(6), items, recent, 0L);
        int whole = encoder.encode(s).length;
        assertTrue(whole > 2_000_000, "the test needs a snapshot over 2 MB, has " + whole);

        byte[] cut = encoder.encode(s, 1_000_000);
        assertTrue(cut.length <= 1_000_000, "cut to " + cut.length);
        int kept = 10_000 - encoder.itemsDropped();
        assertTrue(encoder.itemsDropped() > 0);
        assertEquals(0, encoder.recentDropped());
        UserSequence expected = new UserSequence("user-1", 10_000L, Instant.ofEpochMilli(5), Instant.ofEpochMilli(6),
                items.subList(0, kept), recent, 0L);
        assertArrayEquals(avro.encode(expected), cut, "Avro's bytes of the snapshot with its first " + kept + " items");
        // As many as fit: one more item would not.
        UserSequence oneMore = new UserSequence("user-1", 10_000L, Instant.ofEpochMilli(5), Instant.ofEpochMilli(6),
                items.subList(0, kept + 1), recent, 0L);
        assertTrue(avro.encode(oneMore).length > 1_000_000);

        assertArrayEquals(avro.encode(s), encoder.encode(s, whole), "exactly at the limit nothing is dropped");
        assertEquals(0, encoder.itemsDropped());
    }

    @Test
    void recentEventsGoOnlyOnceNoItemIsLeft() throws Exception {
        List<RecentEvent> recent = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            recent.add(new RecentEvent("song-" + i + "-" + "z".repeat(100), ListenType.SKIP, Instant.ofEpochMilli(i), null));
        }
        List<SequenceItem> items = List.of(new SequenceItem("s", null, Instant.ofEpochMilli(1), Instant.ofEpochMilli(2),
                ListenType.LIKE, 0, 0, true, false, 0L, 2.0));
        UserSequence s = new UserSequence("u", 1L, Instant.ofEpochMilli(5), Instant.ofEpochMilli(6), items, recent, 0L);
        byte[] cut = encoder.encode(s, 50_000);
        assertTrue(cut.length <= 50_000);
        assertEquals(1, encoder.itemsDropped());
        int keptRecent = 1000 - encoder.recentDropped();
        assertArrayEquals(avro.encode(new UserSequence("u", 1L, Instant.ofEpochMilli(5), Instant.ofEpochMilli(6),
                List.of(), recent.subList(0, keptRecent), 0L)), cut);
    }

    private static UserSequence randomSnapshot(Random r) {
        List<SequenceItem> items = new ArrayList<>();
        int count = r.nextInt(10) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 5 : 300);
        for (int i = 0; i < count; i++) {
            items.add(new SequenceItem(text(r), r.nextInt(4) == 0 ? null : text(r), time(r), time(r),
                    ListenType.values()[r.nextInt(ListenType.values().length)], number(r), number(r), r.nextBoolean(),
                    r.nextBoolean(), r.nextBoolean() ? r.nextLong() : (long) r.nextInt(1000),
                    r.nextInt(20) == 0 ? -0.0 : (r.nextDouble() - 0.3) * Math.pow(10, r.nextInt(12) - 6)));
        }
        List<RecentEvent> recent = new ArrayList<>();
        for (int i = r.nextInt(25); i > 0; i--) {
            recent.add(new RecentEvent(text(r), ListenType.values()[r.nextInt(4)], time(r),
                    r.nextBoolean() ? null : r.nextDouble()));
        }
        long version = r.nextBoolean() ? r.nextInt(100) : r.nextLong();
        long generation = r.nextInt(4) == 0 ? 0 : r.nextBoolean() ? 1_700_000_000_000L + r.nextInt() : r.nextLong();
        return new UserSequence(text(r), version, time(r), time(r), items, recent, generation);
    }

    private static int number(Random r) {
        return r.nextInt(5) == 0 ? r.nextInt() : r.nextInt(200);
    }

    private static Instant time(Random r) {
        return Instant.ofEpochMilli(r.nextInt(5) == 0 ? r.nextLong() / 1000 : 1_700_000_000_000L + r.nextInt(1 << 30));
    }

    private static String text(Random r) {
        switch (r.nextInt(6)) {
            case 0: return "";
            case 1: return "song-é-ü-" + r.nextInt(100);
            case 2: return "曲-" + r.nextInt(1000) + "-\uD83C\uDFB5";
            case 3: return "x".repeat(r.nextInt(300));
            default: return "song-" + String.format("%06d", r.nextInt(1_000_000));
        }
    }
}
