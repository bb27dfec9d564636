package dev.listenseq.it;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.config.JobConfig;
import dev.listenseq.sequence.MemoryStores;
import dev.listenseq.sequence.SequenceUpdater;
import dev.listenseq.sequence.SnapshotBuilder;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The expected final snapshot of a user: the same events through the plain logic, without Flink or failures. */
final class Replay {

    private Replay() {
    }

    static UserSequence of(JobConfig config, String userId, List<ListenEvent> events) {
        MemoryStores.Items items = new MemoryStores.Items();
        MemoryStores.Seen seen = new MemoryStores.Seen();
        SequenceUpdater updater = new SequenceUpdater(config.policy(), config.weighting());
        UserState user = SequenceUpdater.newUser();
        for (ListenEvent e : events) {
            updater.apply(user, items, seen, ListenEvent.newBuilder(e).build());
        }
        return new SnapshotBuilder(config.weighting()).build(userId, user, items.entries(), 0);
    }

    /** Same version and items (song, plays, skips; weight within 1e-9 relative). */
    static void assertSameItems(UserSequence expected, UserSequence actual) {
        assertEquals(expected.getVersion(), actual.getVersion(), expected.getUserId());
        assertEquals(expected.getItems().size(), actual.getItems().size(), expected.getUserId());
        for (int i = 0; i < expected.getItems().size(); i++) {
            SequenceItem a = expected.getItems().get(i);
            SequenceItem b = actual.getItems().get(i);
            assertEquals(a.getSongId(), b.getSongId(), expected.getUserId());
            assertEquals(a.getPlays(), b.getPlays(), expected.getUserId());
            assertEquals(a.getSkips(), b.getSkips(), expected.getUserId());
            assertEquals(a.getWeight(), b.getWeight(), 1e-9 * Math.max(1, Math.abs(a.getWeight())), expected.getUserId());
        }
    }
}
