package dev.listenseq.kafka;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The backfill's source: a {@link KafkaSource} that reads each partition up to a fixed stop offset,
 * and whose checkpoints look like those of the streaming job's unbounded source. That is what makes
 * the hand-off exact: a savepoint taken when the range is done holds, for every partition, a split
 * starting at the stop offset with no end, so {@code stream} restored from it reads on from
 * precisely there. Restored into a backfill again, the stop offsets are put back on the splits.
 *
 * <p>Same split and enumerator serializers as the plain source, so the state is interchangeable
 * under the same operator uid.
 */
public final class RangeSource implements Source<RawRecord, KafkaPartitionSplit, KafkaSourceEnumState>,
        ResultTypeQueryable<RawRecord> {

    private static final long serialVersionUID = 1L;

    private final KafkaSource<RawRecord> kafka;
    private final HashMap<TopicPartition, Long> stop;

    /** kafka must have been built with stopping offsets equal to {@code stop}. */
    RangeSource(KafkaSource<RawRecord> kafka, Map<TopicPartition, Long> stop) {
        this.kafka = kafka;
        this.stop = new HashMap<>(stop);
    }

    @Override
    public Boundedness getBoundedness() {
        return kafka.getBoundedness();
    }

    @Override
    public SourceReader<RawRecord, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
        return new Reader(kafka.createReader(context), stop);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context) {
        return kafka.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state) throws Exception {
        SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored = kafka.restoreEnumerator(context, state);
        // A restored bounded Kafka enumerator that finds no new partition never tells its readers
        // that no more splits will come, so the job would never end. When every partition was
        // already handed out before the savepoint, say it ourselves.
        if (getBoundedness() == Boundedness.BOUNDED && state.initialDiscoveryFinished()
                && state.unassignedSplits().isEmpty()) {
            return new FinishingEnumerator(restored, context);
        }
        return restored;
    }

    @Override
    public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
        return kafka.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
        return kafka.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return kafka.getProducedType();
    }

    /** The restored Kafka enumerator, plus the end-of-splits signal to every reader it serves. */
    static final class FinishingEnumerator implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {

        private final SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> kafka;
        private final SplitEnumeratorContext<KafkaPartitionSplit> context;

        FinishingEnumerator(SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> kafka,
                            SplitEnumeratorContext<KafkaPartitionSplit> context) {
            this.kafka = kafka;
            this.context = context;
        }

        @Override
        public void start() {
            kafka.start();
        }

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            kafka.handleSplitRequest(subtaskId, requesterHostname);
        }

        @Override
        public void addSplitsBack(List<KafkaPartitionSplit> splits, int subtaskId) {
            kafka.addSplitsBack(splits, subtaskId);
        }

        @Override
        public void addReader(int subtaskId) {
            kafka.addReader(subtaskId);
            context.signalNoMoreSplits(subtaskId);
        }

        @Override
        public KafkaSourceEnumState snapshotState(long checkpointId) throws Exception {
            return kafka.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            kafka.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void handleSourceEvent(int subtaskId, SourceEvent event) {
            kafka.handleSourceEvent(subtaskId, event);
        }

        @Override
        public void close() throws IOException {
            kafka.close();
        }
    }

    /**
     * Delegates to the Kafka reader, translating splits on the way in (add the stop offset) and on
     * the way out (drop it, and keep finished partitions as open splits at their stop offset).
     */
    static final class Reader implements SourceReader<RawRecord, KafkaPartitionSplit> {

        private final SourceReader<RawRecord, KafkaPartitionSplit> kafka;
        private final Map<TopicPartition, Long> stop;
        private final Set<TopicPartition> assigned = new HashSet<>();

        Reader(SourceReader<RawRecord, KafkaPartitionSplit> kafka, Map<TopicPartition, Long> stop) {
            this.kafka = kafka;
            this.stop = stop;
        }

        @Override
        public void start() {
            kafka.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<RawRecord> output) throws Exception {
            return kafka.pollNext(output);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return kafka.isAvailable();
        }

        @Override
        public void addSplits(List<KafkaPartitionSplit> splits) {
            List<KafkaPartitionSplit> bounded = new ArrayList<>(splits.size());
            for (KafkaPartitionSplit split : splits) {
                TopicPartition tp = split.getTopicPartition();
                Long end = stop.get(tp);
                if (end == null) {
                    throw new IllegalStateException("partition " + tp + " is not in the backfill range " + stop.keySet()
                            + "; was the savepoint taken on other input topics?");
                }
                assigned.add(tp);
                // A restored split may already be at or past the end: it is then empty and finishes at once.
                long start = split.getStartingOffset();
                bounded.add(new KafkaPartitionSplit(tp, start, start >= 0 ? Math.max(start, end) : end));
            }
            kafka.addSplits(bounded);
        }

        @Override
        public List<KafkaPartitionSplit> snapshotState(long checkpointId) {
            List<KafkaPartitionSplit> open = kafka.snapshotState(checkpointId);
            List<KafkaPartitionSplit> result = new ArrayList<>(assigned.size());
            Set<TopicPartition> reading = new HashSet<>();
            for (KafkaPartitionSplit split : open) {
                reading.add(split.getTopicPartition());
                result.add(new KafkaPartitionSplit(split.getTopicPartition(), split.getStartingOffset()));
            }
            for (TopicPartition tp : assigned) {
                if (!reading.contains(tp)) {
                    result.add(new KafkaPartitionSplit(tp, stop.get(tp)));
                }
            }
            return result;
        }

        @Override
        public void notifyNoMoreSplits() {
            kafka.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            kafka.handleSourceEvents(event);
        }

        @Override
        public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
            kafka.pauseOrResumeSplits(toPause, toResume);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            kafka.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            kafka.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void close() throws Exception {
            kafka.close();
        }
    }
}
