package dev.listenseq.jmh;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.codec.UserSequenceEncoder;
import dev.listenseq.sequence.MemoryStores;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.SequenceUpdater;
import dev.listenseq.sequence.SnapshotBuilder;
import dev.listenseq.sequence.Weighting;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Per-event cost of the sequence logic as max-items grows (BENCHMARKS.md has the command). The
 * user's sequence is full, so half the events replay a song in it and half bring a new song, which
 * evicts the oldest: the steady state of a long-lived user. State is on the heap (MemoryStores),
 * so this measures the logic, not RocksDB.
 *
 * <ul>
 *   <li>{@code applyEvent}: one event through {@link SequenceUpdater#apply}; should not grow with
 *       max-items.</li>
 *   <li>{@code buildSnapshot}, {@code encodeSnapshot}: one emission, the snapshot built from the
 *       items, then written as the Kafka sink writes it ({@link UserSequenceEncoder}); both grow
 *       with the sequence by nature (it is the output), which is why emission is throttled.
 *       {@code encodeSnapshotAvro} is the same bytes through Avro's generic writer, for comparison.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SequenceUpdateBenchmark {

    private static final long T0 = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;

    @Param({"10", "100", "1000", "10000"})
    public int maxItems;

    private SequenceUpdater updater;
    private SnapshotBuilder snapshots;
    private SingleObjectCodec<UserSequence> codec;
    private UserSequenceEncoder encoder;
    private UserSequence snapshot;
    private UserState user;
    private MemoryStores.Items items;
    private MemoryStores.Seen seen;
    private ListenEvent event;
    private SplittableRandom random;
    private long n;
    private int nextNewSong;

    @Setup(Level.Trial)
    public void setUp() {
        Weighting weighting = Weighting.defaults();
        SequencePolicy policy = new SequencePolicy(maxItems, 90 * DAY, 20, 90 * DAY);
        updater = new SequenceUpdater(policy, weighting);
        snapshots = new SnapshotBuilder(weighting);
        codec = SingleObjectCodec.of(UserSequence.class);
        user = SequenceUpdater.newUser();
        items = new MemoryStores.Items();
        seen = new MemoryStores.Seen();
        random = new SplittableRandom(1);
        event = new ListenEvent("", "u", "", "artist-1", ListenType.PLAY, Instant.ofEpochMilli(T0), 120_000L, 200_000L, "radio", null, null);
        encoder = new UserSequenceEncoder();
        for (int i = 0; i < 2 * maxItems; i++) {
            applyEvent();
        }
        snapshot = snapshots.build("u", user, items.entries(), T0);
    }

    @Benchmark
    public SequenceUpdater.Outcome applyEvent() {
        n++;
        // Half replays of a recent song (the newest half of the sequence), half new songs.
        String song = random.nextBoolean() && nextNewSong > 0
                ? "song-" + (nextNewSong - 1 - random.nextInt(Math.min(nextNewSong, Math.max(1, maxItems / 2))))
                : "song-" + nextNewSong++;
        event.setEventId("e" + n);
        event.setSongId(song);
        event.setType(random.nextInt(4) == 0 ? ListenType.SKIP : ListenType.PLAY);
        event.setEventTime(Instant.ofEpochMilli(T0 + n * 1_000));
        return updater.apply(user, items, seen, event);
    }

    @Benchmark
    public UserSequence buildSnapshot() {
        return snapshots.build("u", user, items.entries(), T0);
    }

    @Benchmark
    public byte[] encodeSnapshot() {
        return encoder.encode(snapshot);
    }

    @Benchmark
    public byte[] encodeSnapshotAvro() {
        return codec.encode(snapshot);
    }
}
