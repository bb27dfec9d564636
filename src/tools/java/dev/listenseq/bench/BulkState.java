package dev.listenseq.bench;

import dev.listenseq.app.JobParts;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.config.JobConfig;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.flink.SequenceFunction;
import dev.listenseq.flink.SequenceSettings;
import dev.listenseq.pipeline.SequencePipeline;
import dev.listenseq.sequence.BoundedSeenIds;
import dev.listenseq.sequence.MemoryStores;
import dev.listenseq.sequence.SequenceUpdater;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a savepoint of the job's sequence operator (uid {@value SequencePipeline#SEQUENCE_UID})
 * holding N generated users of M songs each, without Kafka or the job: loading 100 M items through
 * the job takes about an hour, this takes minutes. It uses Flink's State Processor API on RocksDB.
 *
 * <p>Each user is what the job itself would hold after its events: they go through the job's
 * {@link SequenceUpdater} and {@link BoundedSeenIds} in memory, and the result is written under the
 * job's own descriptors ({@link SequenceFunction#userDescriptor()} ...): the user record, one
 * {@code items} entry per song, the seen event ids in their generation ({@code seen} or
 * {@code seen-b}). The record's emission fields are those of a user whose latest snapshot was sent
 * at its last event and who waits for nothing (no trailing-edge timer): the job's state between
 * bursts of a user's activity. The lineage generation is written as the job's union operator state.
 *
 * <p>Limits, each refused with an error rather than written wrongly: no expiry timers
 * (state.expire-after must be empty) and no event-time ordering (nothing parked).
 */
public final class BulkState {

    /** Event times of a user's events spread over this span before {@link Spec#asOfMs}. */
    static final long SPAN_MS = 30L * 86_400_000L;
    /** Every {@value}th song is played a second time, so items carry repeats and not only first plays. */
    static final int REPEAT_EVERY = 5;

    /**
     * What to write.
     *
     * @param users      users user-000000 ... ({@link ListeningGenerator#userId}), the bench's ids
     * @param items      distinct songs per user
     * @param songs      the song catalogue the songs are drawn from
     * @param seed       users and songs follow from it alone
     * @param asOfMs     every user's newest event time
     * @param generation the lineage generation restored snapshots carry
     */
    public record Spec(int users, int items, int songs, long seed, long asOfMs, long generation) implements Serializable {

        public Spec {
            if (users < 1 || items < 1 || songs < items) {
                throw new IllegalArgumentException("users (" + users + ") and items (" + items
                        + ") must be at least 1, and songs (" + songs + ") at least items");
            }
        }

        /** Events per user: the songs, and a repeat of every {@value BulkState#REPEAT_EVERY}th. */
        public int eventsPerUser() {
            return items + items / REPEAT_EVERY;
        }
    }

    private BulkState() {
    }

    /** The events that build user {@code user}'s state, in event-time order; the newest at {@link Spec#asOfMs}. */
    public static List<ListenEvent> events(Spec spec, int user) {
        SplittableRandom random = new SplittableRandom(spec.seed() * 1_000_003L + user);
        LinkedHashSet<Integer> songs = new LinkedHashSet<>();
        while (songs.size() < spec.items()) {
            songs.add(random.nextInt(spec.songs()));
        }
        List<Integer> plays = new ArrayList<>(songs);
        int i = 0;
        for (Integer song : songs) {
            if (i++ % REPEAT_EVERY == 0) {
                plays.add(song);
            }
        }
        String userId = ListeningGenerator.userId(user);
        long step = SPAN_MS / plays.size();
        List<ListenEvent> events = new ArrayList<>(plays.size());
        for (int n = 0; n < plays.size(); n++) {
            int song = plays.get(n);
            long length = 120_000 + (song % 180) * 1_000L;
            boolean skip = random.nextInt(4) == 0;
            events.add(ListenEvent.newBuilder()
                    .setEventId("bulk-" + userId + "-" + n)
                    .setUserId(userId)
                    .setSongId(ListeningGenerator.songId(song))
                    .setArtistId(String.format("artist-%05d", song % 50_000))
                    .setType(skip ? ListenType.SKIP : ListenType.PLAY)
                    .setEventTime(Instant.ofEpochMilli(spec.asOfMs() - (plays.size() - 1 - n) * step))
                    .setPlayedMs(skip ? 5_000 + random.nextInt(25_000) : length - random.nextInt(10_000))
                    .setDurationMs(length)
                    .setContext("playlist")
                    .build());
        }
        return events;
    }

    /**
     * Adds the bulk write to {@code env} and runs it: a bounded job writing a canonical savepoint to
     * {@code savepointPath}. The job's parallelism is {@code env}'s; the savepoint's max parallelism
     * (its key groups) is the job's max-parallelism, which the restoring job must keep.
     */
    public static void write(StreamExecutionEnvironment env, JobConfig config, Spec spec, String savepointPath)
            throws Exception {
        SequenceSettings settings = JobParts.sequence(config);
        if (settings.limits().expires()) {
            throw new IllegalArgumentException("state.expire-after is " + config.limits().expireAfterMs()
                    + " ms; the bulk writer writes no expiry timers, so the job must run without expiry: set it empty");
        }
        if (settings.eventTime()) {
            throw new IllegalArgumentException("ordering.mode is event-time; the bulk writer writes users as arrival"
                    + " order builds them: set ordering.mode arrival");
        }
        DataStream<Integer> users = env.fromSequence(0, spec.users() - 1L)
                .map(Long::intValue).returns(Types.INT).name("users");
        StateBootstrapTransformation<Integer> transformation = OperatorTransformation.bootstrapWith(users)
                .keyBy(ListeningGenerator::userId, Types.STRING)
                .transform(new Bootstrap(spec, settings));
        EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend();
        if (config.stateLocalDir() != null) {
            // Where the job keeps its RocksDB files, not the JVM's temp folder: the write needs as much room.
            rocksDb.setDbStoragePath(config.stateLocalDir());
        }
        SavepointWriter.newSavepoint(env, rocksDb, config.maxParallelism())
                .withOperator(OperatorIdentifier.forUid(SequencePipeline.SEQUENCE_UID), transformation)
                .write(savepointPath);
        env.execute("write a savepoint of " + spec.users() + " users x " + spec.items() + " items");
    }

    /** Builds each user in memory with the job's logic and writes it under the job's descriptors. */
    private static final class Bootstrap extends KeyedStateBootstrapFunction<String, Integer> implements CheckpointedFunction {

        private static final long serialVersionUID = 1L;

        private final Spec spec;
        private final SequenceSettings settings;
        private transient ValueState<UserState> userState;
        private transient MapState<String, ItemState> itemState;
        private transient List<MapState<String, Long>> seenState;
        private transient ListState<Long> generationState;
        private transient SequenceUpdater updater;

        Bootstrap(Spec spec, SequenceSettings settings) {
            this.spec = spec;
            this.settings = settings;
        }

        @Override
        public void open(OpenContext openContext) {
            userState = getRuntimeContext().getState(SequenceFunction.userDescriptor());
            itemState = getRuntimeContext().getMapState(SequenceFunction.itemsDescriptor());
            seenState = List.of(getRuntimeContext().getMapState(SequenceFunction.seenDescriptor(0)),
                    getRuntimeContext().getMapState(SequenceFunction.seenDescriptor(1)));
            updater = new SequenceUpdater(settings.policy(), settings.weighting());
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            generationState = context.getOperatorStateStore().getUnionListState(SequenceFunction.generationDescriptor());
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            generationState.update(List.of(spec.generation()));
        }

        @Override
        public void processElement(Integer index, Context ctx) throws Exception {
            UserState user = SequenceUpdater.newUser();
            MemoryStores.Items items = new MemoryStores.Items();
            HeapGeneration[] generations = {new HeapGeneration(), new HeapGeneration()};
            BoundedSeenIds seen = new BoundedSeenIds(generations[0], generations[1], settings.limits().maxSeenIds());
            long lastRecordMs = Long.MIN_VALUE;
            for (ListenEvent event : events(spec, index)) {
                if (updater.apply(user, items, seen.bind(user), event) == SequenceUpdater.Outcome.APPLIED) {
                    // The job takes the Kafka record timestamp; a producer stamping events when they
                    // happen gives the event time.
                    lastRecordMs = Math.max(lastRecordMs, event.getEventTime().toEpochMilli());
                }
            }
            // As SequenceFunction leaves a user right after emitting its latest snapshot.
            updater.trimRecent(user);
            user.setLastRecordMs(lastRecordMs);
            user.setEmittedVersion(user.getVersion());
            user.setLastEmitMs(lastRecordMs);
            user.setTimerMs(Long.MIN_VALUE);
            user.setPendingSinceMs(Long.MIN_VALUE);
            userState.update(user);
            for (Map.Entry<String, ItemState> e : items.entries()) {
                itemState.put(e.getKey(), e.getValue());
            }
            for (int g = 0; g < 2; g++) {
                seenState.get(g).putAll(generations[g].map);
            }
        }
    }

    private static final class HeapGeneration implements BoundedSeenIds.Generation {
        final Map<String, Long> map = new HashMap<>();

        @Override
        public boolean contains(String eventId) {
            return map.containsKey(eventId);
        }

        @Override
        public void put(String eventId, long eventTime) {
            map.put(eventId, eventTime);
        }

        @Override
        public void clear() {
            map.clear();
        }
    }
}
