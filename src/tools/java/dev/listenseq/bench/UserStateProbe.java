package dev.listenseq.bench;

import dev.listenseq.avro.state.UserState;
import dev.listenseq.flink.SequenceFunction;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.InternalTimerServiceImpl;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads one user's keyed state out of a canonical savepoint of the job: how many songs, seen event
 * ids, parked records and timers the sequence builder holds for that user. It restores the job's
 * subtask that holds the user into an operator test harness (heap backend; a canonical savepoint
 * restores into any backend) with a stand-in operator that registers the job's state names and
 * timer service, so it reads what a restored job would, without running the job's logic.
 */
final class UserStateProbe {

    /** The job's keyed-process timer service (Flink's KeyedProcessOperator registers its timers under this name). */
    private static final String TIMER_SERVICE = "user-timers";

    /** One user's state sizes; -1 for "no such state". */
    record Sizes(long version, long items, long seenIds, long pending, int eventTimers, int processingTimers) {

        /** As the worker prints it: space-separated numbers. */
        String wire() {
            return version + " " + items + " " + seenIds + " " + pending + " " + eventTimers + " " + processingTimers;
        }

        static Sizes fromWire(String[] parts, int from) {
            return new Sizes(Long.parseLong(parts[from]), Long.parseLong(parts[from + 1]), Long.parseLong(parts[from + 2]),
                    Long.parseLong(parts[from + 3]), Integer.parseInt(parts[from + 4]), Integer.parseInt(parts[from + 5]));
        }
    }

    private UserStateProbe() {
    }

    /** The operator id of the operator with {@code uid} in {@code graph}. */
    static OperatorID operatorId(JobGraph graph, String uid) {
        for (JobVertex vertex : graph.getVertices()) {
            for (OperatorIDPair pair : vertex.getOperatorIDs()) {
                if (uid.equals(pair.getUserDefinedOperatorUid())) {
                    return pair.getGeneratedOperatorID();
                }
            }
        }
        throw new IllegalArgumentException("the job graph has no operator with uid " + uid);
    }

    /** The sizes of {@code user}'s state in the savepoint at {@code savepointPointer} (as Flink returns it). */
    static Sizes read(String savepointPointer, OperatorID operator, String user) throws Exception {
        Path dir = savepointPointer.contains(":") ? Path.of(URI.create(savepointPointer)) : Path.of(savepointPointer);
        CheckpointMetadata metadata;
        try (InputStream in = Files.newInputStream(dir.resolve("_metadata"))) {
            metadata = Checkpoints.loadCheckpointMetadata(new DataInputStream(in), UserStateProbe.class.getClassLoader(),
                    savepointPointer);
        }
        OperatorState state = metadata.getOperatorStates().stream().filter(s -> s.getOperatorID().equals(operator))
                .findFirst().orElseThrow(() -> new IllegalStateException("the savepoint has no state of operator " + operator));
        int maxParallelism = state.getMaxParallelism();
        int parallelism = state.getParallelism();
        // The job's own subtask layout, so the subtask holding the user restores exactly what it wrote.
        int subtask = KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup(maxParallelism, parallelism,
                KeyGroupRangeAssignment.assignToKeyGroup(user, maxParallelism));
        Reader reader = new Reader();
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(reader, (String s) -> s, Types.STRING,
                maxParallelism, parallelism, subtask)) {
            harness.setStateBackend(new HashMapStateBackend());
            harness.initializeState(state.getState(subtask));
            harness.open();
            return reader.sizes(user);
        }
    }

    /** Registers the job's state and timers as the sequence builder does, and only reads them. */
    private static final class Reader extends AbstractStreamOperator<Void>
            implements OneInputStreamOperator<String, Void>, Triggerable<String, VoidNamespace> {

        private transient InternalTimerService<VoidNamespace> timers;

        @Override
        public void open() throws Exception {
            super.open();
            timers = getInternalTimerService(TIMER_SERVICE, VoidNamespaceSerializer.INSTANCE, this);
        }

        Sizes sizes(String user) throws Exception {
            KeyedStateBackend<String> backend = getKeyedStateBackend();
            backend.setCurrentKey(user);
            ValueState<UserState> record = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                    SequenceFunction.userDescriptor());
            UserState u = record.value();
            long items = count(backend, SequenceFunction.itemsDescriptor());
            long seen = count(backend, SequenceFunction.seenDescriptor(0)) + count(backend, SequenceFunction.seenDescriptor(1));
            long pending = count(backend, SequenceFunction.pendingRecordsDescriptor());
            int[] eventTimers = {0};
            int[] processingTimers = {0};
            @SuppressWarnings("unchecked")
            InternalTimerServiceImpl<String, VoidNamespace> impl = (InternalTimerServiceImpl<String, VoidNamespace>) timers;
            // Iterating sets the current key to each timer's key.
            impl.forEachEventTimeTimer((namespace, time) -> eventTimers[0] += user.equals(backend.getCurrentKey()) ? 1 : 0);
            impl.forEachProcessingTimeTimer((namespace, time) -> processingTimers[0] += user.equals(backend.getCurrentKey()) ? 1 : 0);
            return new Sizes(u == null ? -1 : u.getVersion(), items, seen, pending, eventTimers[0], processingTimers[0]);
        }

        private static <K, V> long count(KeyedStateBackend<String> backend, MapStateDescriptor<K, V> descriptor) throws Exception {
            MapState<K, V> map = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
            long n = 0;
            for (K ignored : map.keys()) {
                n++;
            }
            return n;
        }

        @Override
        public void processElement(StreamRecord<String> element) {
        }

        @Override
        public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        }

        @Override
        public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        }
    }
}
