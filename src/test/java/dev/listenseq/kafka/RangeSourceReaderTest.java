package dev.listenseq.kafka;

import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.InputStatus;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The split translation of the backfill source, against a stand-in for the Kafka reader. */
class RangeSourceReaderTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TopicPartition P1 = new TopicPartition("in", 1);

    /** Records what it is given; reports as open the splits the test says are still being read. */
    static final class Recording implements SourceReader<RawRecord, KafkaPartitionSplit> {
        final List<KafkaPartitionSplit> added = new ArrayList<>();
        List<KafkaPartitionSplit> open = List.of();

        @Override public void start() { }
        @Override public InputStatus pollNext(ReaderOutput<RawRecord> output) { return InputStatus.NOTHING_AVAILABLE; }
        @Override public List<KafkaPartitionSplit> snapshotState(long checkpointId) { return open; }
        @Override public CompletableFuture<Void> isAvailable() { return new CompletableFuture<>(); }
        @Override public void addSplits(List<KafkaPartitionSplit> splits) { added.addAll(splits); }
        @Override public void notifyNoMoreSplits() { }
        @Override public void notifyCheckpointComplete(long checkpointId) { }
        @Override public void close() { }
    }

    private final Recording kafka = new Recording();
    private final RangeSource.Reader reader = new RangeSource.Reader(kafka, Map.of(P0, 100L, P1, 50L));

    @Test
    void restoredOpenSplitsGetTheirStopOffsetBack() {
        reader.addSplits(List.of(new KafkaPartitionSplit(P0, 40), new KafkaPartitionSplit(P1, 70)));
        assertEquals(List.of(new KafkaPartitionSplit(P0, 40, 100), new KafkaPartitionSplit(P1, 70, 70)), kafka.added,
                "a split already past its stop is empty and finishes at once");
    }

    @Test
    void checkpointsHoldEveryPartitionAsAnOpenSplitFromWhereItIs() {
        reader.addSplits(List.of(new KafkaPartitionSplit(P0, 0, 100), new KafkaPartitionSplit(P1, 0, 50)));
        kafka.open = List.of(new KafkaPartitionSplit(P0, 60, 100));
        assertEquals(List.of(new KafkaPartitionSplit(P0, 60), new KafkaPartitionSplit(P1, 50)), reader.snapshotState(1),
                "P0 still reading at 60, P1 finished: continue at its stop offset, with no end");
        kafka.open = List.of();
        assertEquals(List.of(new KafkaPartitionSplit(P0, 100), new KafkaPartitionSplit(P1, 50)), sorted(reader.snapshotState(2)));
    }

    @Test
    void refusesAPartitionOutsideTheRange() {
        assertThrows(IllegalStateException.class,
                () -> reader.addSplits(List.of(new KafkaPartitionSplit(new TopicPartition("other", 0), 0))));
    }

    private static List<KafkaPartitionSplit> sorted(List<KafkaPartitionSplit> splits) {
        List<KafkaPartitionSplit> copy = new ArrayList<>(splits);
        copy.sort((a, b) -> Integer.compare(a.getPartition(), b.getPartition()));
        return copy;
    }
}
