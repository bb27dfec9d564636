package dev.listenseq.sequence;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.PlaySource;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.QueuedItem;
import dev.listenseq.avro.state.UserState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.listenseq.sequence.RandomEvents.DAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property-style tests of the sequence logic on thousands of random, seeded event streams. A
 * failure message names the seed, so a failing case can be replayed.
 */
class SequenceUpdaterPropertyTest {

    /** Play sources weigh differently, so the reference model also checks the play-source multipliers. */
    private static final Weighting WEIGHTING = Weighting.defaults().withPlaySources(PlaySourceWeights.of(Map.of(
            PlaySource.RADIO, 0.5, PlaySource.PLAYLIST, 1.5, PlaySource.SEARCH, 2.0, PlaySource.UNKNOWN, 0.0)));

    /** After every event, the incremental state equals the naive reference model of docs/design.md. */
    @Test
    void matchesTheReferenceModelAfterEveryEvent() {
        for (long seed = 0; seed < 300; seed++) {
            Random r = new Random(seed);
            int maxItems = 1 + r.nextInt(10);
            long maxAge = (3 + r.nextInt(18)) * DAY;
            SequencePolicy policy = new SequencePolicy(maxItems, maxAge, r.nextInt(7), maxAge);
            int queueCapacity = 1 + r.nextInt(4);
            List<ListenEvent> events = RandomEvents.stream(r, 200, 4 + r.nextInt(20), 40 * DAY, 0.2);

            ReferenceModel reference = new ReferenceModel(policy, WEIGHTING);
            SequenceUpdater updater = new SequenceUpdater(policy, WEIGHTING, queueCapacity);
            SnapshotBuilder snapshots = new SnapshotBuilder(WEIGHTING);
            UserState user = SequenceUpdater.newUser();
            MemoryStores.Items items = new MemoryStores.Items();
            MemoryStores.Seen seen = new MemoryStores.Seen();
            for (int i = 0; i < events.size(); i++) {
                String where = "seed " + seed + ", event " + i;
                ListenEvent e = events.get(i);
                assertEquals(reference.apply(e), updater.apply(user, items, seen, ListenEvent.newBuilder(e).build()), where);
                assertEquals(reference.version(), user.getVersion(), where);
                if (user.getVersion() > 0) {
                    assertEquals(reference.asOf(), user.getAsOf(), where);
                    assertSameSnapshot(reference, snapshots.build("u", user, items.entries(), 0), where);
                }
            }
        }
    }

    /** The arrival order of an item's events does not change its weight (nor anything else). */
    @Test
    void arrivalOrderDoesNotChangeWeights() {
        for (long seed = 0; seed < 500; seed++) {
            Random r = new Random(seed);
            int songs = 1 + r.nextInt(4);
            // Within the horizon and the length bound, so order can only matter through arithmetic.
            SequencePolicy policy = new SequencePolicy(10, 365 * DAY, 50, 365 * DAY);
            List<ListenEvent> events = new ArrayList<>();
            int n = 1 + r.nextInt(40);
            for (int i = 0; i < n; i++) {
                long time = RandomEvents.BASE + (long) (r.nextDouble() * 60 * DAY);
                events.add(RandomEvents.event("e" + i, "s" + r.nextInt(songs), RandomEvents.type(r), time, r));
            }
            UserSequence inOrder = replay(policy, events);
            for (int shuffle = 0; shuffle < 5; shuffle++) {
                List<ListenEvent> reordered = new ArrayList<>(events);
                Collections.shuffle(reordered, r);
                UserSequence other = replay(policy, reordered);
                String where = "seed " + seed + ", shuffle " + shuffle;
                assertEquals(inOrder.getAsOf(), other.getAsOf(), where);
                assertEquals(inOrder.getItems().size(), other.getItems().size(), where);
                for (int i = 0; i < inOrder.getItems().size(); i++) {
                    SequenceItem a = inOrder.getItems().get(i);
                    SequenceItem b = other.getItems().get(i);
                    assertEquals(a.getWeight(), b.getWeight(), 1e-9 * Math.max(1, Math.abs(a.getWeight())), where);
                    b.setWeight(a.getWeight());
                    if (a.getArtistId() == null || b.getArtistId() == null) {
                        // Events of a song carry its artist or none; the item has it if any event did.
                        assertEquals(a.getArtistId(), b.getArtistId(), where);
                    }
                    assertEquals(a, b, where);
                }
                assertEquals(inOrder.getRecent(), other.getRecent(), where);
            }
        }
    }

    /**
     * Events of one song naming different artists (a re-release, a catalogue fix): the item's artist
     * is the newest event's that names one, whatever the arrival order, as the reference model says.
     */
    @Test
    void conflictingArtistsDoNotDependOnArrivalOrder() {
        for (long seed = 0; seed < 300; seed++) {
            Random r = new Random(seed);
            SequencePolicy policy = new SequencePolicy(10, 365 * DAY, 50, 365 * DAY);
            List<ListenEvent> events = new ArrayList<>();
            int n = 2 + r.nextInt(20);
            for (int i = 0; i < n; i++) {
                // Coarse times, so that two events of a song often share one.
                long time = RandomEvents.BASE + r.nextInt(6) * DAY;
                ListenEvent e = RandomEvents.event("e" + i, "s" + r.nextInt(2), RandomEvents.type(r), time, r);
                e.setArtistId(r.nextInt(4) == 0 ? null : "artist-" + r.nextInt(3));
                events.add(e);
            }
            UserSequence inOrder = replay(policy, events);
            ReferenceModel reference = new ReferenceModel(policy, WEIGHTING);
            events.forEach(reference::apply);
            List<ReferenceModel.Item> want = reference.sequence();
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).artist(), inOrder.getItems().get(i).getArtistId(), "seed " + seed + ", item " + i);
            }
            for (int shuffle = 0; shuffle < 5; shuffle++) {
                List<ListenEvent> reordered = new ArrayList<>(events);
                Collections.shuffle(reordered, r);
                UserSequence other = replay(policy, reordered);
                for (int i = 0; i < inOrder.getItems().size(); i++) {
                    assertEquals(inOrder.getItems().get(i).getArtistId(), other.getItems().get(i).getArtistId(),
                            "seed " + seed + ", shuffle " + shuffle + ", item " + i);
                }
            }
        }
    }

    /** Length and age bounds hold after every event, and the eviction queue's invariant with them. */
    @Test
    void lengthAndAgeBoundsAlwaysHold() {
        for (long seed = 0; seed < 100; seed++) {
            Random r = new Random(seed);
            int maxItems = 1 + r.nextInt(60);
            long maxAge = (1 + r.nextInt(30)) * DAY;
            SequencePolicy policy = new SequencePolicy(maxItems, maxAge, 5, maxAge);
            SequenceUpdater updater = new SequenceUpdater(policy, WEIGHTING);
            UserState user = SequenceUpdater.newUser();
            MemoryStores.Items items = new MemoryStores.Items();
            MemoryStores.Seen seen = new MemoryStores.Seen();
            for (ListenEvent e : RandomEvents.stream(r, 1000, 5 + r.nextInt(300), 200 * DAY, 0.2)) {
                updater.apply(user, items, seen, e);
                String where = "seed " + seed + ", version " + user.getVersion();
                assertEquals(items.map.size(), user.getItemCount(), where);
                assertTrue(user.getItemCount() <= maxItems, where);
                for (ItemState item : items.map.values()) {
                    assertTrue(item.getLastTime() >= user.getAsOf() - maxAge, where);
                }
                assertQueueInvariant(user, items.map, where);
            }
        }
    }

    /** Eviction does not scan the sequence per event: scans are amortized over many evictions. */
    @Test
    void evictionScansAreRare() {
        Random r = new Random(7);
        SequencePolicy policy = new SequencePolicy(100, 365 * DAY, 5, 365 * DAY);
        SequenceUpdater updater = new SequenceUpdater(policy, WEIGHTING);
        UserState user = SequenceUpdater.newUser();
        MemoryStores.Items items = new MemoryStores.Items();
        MemoryStores.Seen seen = new MemoryStores.Seen();
        List<ListenEvent> events = RandomEvents.stream(r, 10_000, 2_000, 100 * DAY, 0.0);
        int evictionsPossible = 0;
        for (ListenEvent e : events) {
            int before = user.getItemCount();
            updater.apply(user, items, seen, e);
            if (before == 100 && user.getItemCount() == 100) {
                evictionsPossible++;
            }
        }
        assertTrue(evictionsPossible > 5_000, "the stream must keep the sequence full: " + evictionsPossible);
        assertTrue(items.scans < events.size() / 8,
                items.scans + " scans for " + events.size() + " events: eviction must not scan per event");
    }

    /** Seen event ids are forgotten once older than the dedup window, so that state stays bounded. */
    @Test
    void seenIdsArePrunedBehindTheDedupWindow() {
        long window = 10 * DAY;
        SequencePolicy policy = new SequencePolicy(50, 30 * DAY, 5, window);
        SequenceUpdater updater = new SequenceUpdater(policy, WEIGHTING);
        UserState user = SequenceUpdater.newUser();
        MemoryStores.Items items = new MemoryStores.Items();
        MemoryStores.Seen seen = new MemoryStores.Seen();
        Random r = new Random(3);
        // In order and without duplicates: every id enters near as_of, so pruning alone bounds the set.
        Set<String> ids = new HashSet<>();
        List<ListenEvent> events = new ArrayList<>();
        for (ListenEvent e : RandomEvents.stream(r, 5_000, 40, 300 * DAY, 0.0)) {
            if (ids.add(e.getEventId())) {
                events.add(e);
            }
        }
        for (ListenEvent e : events) {
            updater.apply(user, items, seen, e);
            long oldestKept = seen.map.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            assertTrue(oldestKept >= user.getAsOf() - window - window / 8 - 1,
                    "kept an id " + (user.getAsOf() - oldestKept) / DAY + " days behind as_of");
        }
        // A duplicate inside the window is caught ...
        ListenEvent recent = events.get(events.size() - 1);
        assertEquals(SequenceUpdater.Outcome.DUPLICATE, updater.apply(user, items, seen, recent));
        // ... one older than the window but inside max-age is applied again: the documented trade-off.
        ListenEvent old = ListenEvent.newBuilder(events.get(events.size() - 1))
                .setEventId("pruned-id").setEventTime(recent.getEventTime().minusMillis(12 * DAY)).build();
        seen.add("pruned-id", old.getEventTime().toEpochMilli());
        seen.removeOlderThan(user.getAsOf() - window);
        assertEquals(SequenceUpdater.Outcome.APPLIED, updater.apply(user, items, seen, old));
    }

    private static UserSequence replay(SequencePolicy policy, List<ListenEvent> events) {
        SequenceUpdater updater = new SequenceUpdater(policy, WEIGHTING);
        UserState user = SequenceUpdater.newUser();
        MemoryStores.Items items = new MemoryStores.Items();
        MemoryStores.Seen seen = new MemoryStores.Seen();
        for (ListenEvent e : events) {
            assertEquals(SequenceUpdater.Outcome.APPLIED, updater.apply(user, items, seen, ListenEvent.newBuilder(e).build()));
        }
        return new SnapshotBuilder(WEIGHTING).build("u", user, items.entries(), 0);
    }

    private static void assertSameSnapshot(ReferenceModel reference, UserSequence actual, String where) {
        List<ReferenceModel.Item> expected = reference.sequence();
        assertEquals(expected.size(), actual.getItems().size(), where + ": items " + expected);
        for (int i = 0; i < expected.size(); i++) {
            ReferenceModel.Item want = expected.get(i);
            SequenceItem got = actual.getItems().get(i);
            String at = where + ", item " + i;
            assertEquals(want.song(), got.getSongId(), at);
            if (got.getArtistId() != null) {
                assertEquals(want.artist(), got.getArtistId(), at);
            } else {
                assertNull(want.artist(), at);
            }
            assertEquals(want.first(), got.getFirstTime().toEpochMilli(), at);
            assertEquals(want.last(), got.getLastTime().toEpochMilli(), at);
            assertEquals(want.lastType(), got.getLastType(), at);
            assertEquals(want.plays(), got.getPlays(), at);
            assertEquals(want.skips(), got.getSkips(), at);
            assertEquals(want.liked(), got.getLiked(), at);
            assertEquals(want.collected(), got.getCollected(), at);
            assertEquals(want.listened(), got.getListenedMs(), at);
            assertEquals(want.weight(), got.getWeight(), 1e-9 * Math.max(1, Math.abs(want.weight())), at);
        }
        List<ReferenceModel.Recent> recent = reference.recent();
        assertEquals(recent.size(), actual.getRecent().size(), where + ": recent");
        for (int i = 0; i < recent.size(); i++) {
            ReferenceModel.Recent want = recent.get(i);
            RecentEvent got = actual.getRecent().get(i);
            assertEquals(want.song(), got.getSongId(), where + ", recent " + i);
            assertEquals(want.type(), got.getType(), where + ", recent " + i);
            assertEquals(want.time(), got.getEventTime().toEpochMilli(), where + ", recent " + i);
            assertEquals(want.completion(), got.getCompletion(), where + ", recent " + i);
        }
    }

    private static void assertQueueInvariant(UserState user, Map<String, ItemState> items, String where) {
        List<QueuedItem> queue = user.getEvictQueue();
        for (int i = 0; i < queue.size(); i++) {
            QueuedItem q = queue.get(i);
            ItemState item = items.get(q.getSongId());
            assertTrue(item != null && item.getLastTime() == q.getLastTime(), where + ": stale queue entry " + q);
            if (i > 0) {
                QueuedItem p = queue.get(i - 1);
                assertTrue(Ranking.compareLow(p.getLastTime(), p.getSongId(), q.getLastTime(), q.getSongId()) < 0,
                        where + ": queue out of order");
            }
        }
        long inRegion = items.entrySet().stream()
                .filter(e -> Ranking.compareLow(e.getValue().getLastTime(), e.getKey(),
                        user.getQueueBoundTime(), user.getQueueBoundSong()) <= 0)
                .count();
        assertEquals(inRegion, queue.size(), where + ": queue must hold exactly the items at or below its bound");
    }
}
