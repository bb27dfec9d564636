package dev.listenseq.pipeline;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceEnumerator;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceReader;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.InstantiationUtil;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A bounded source of records held in memory, read in list order as one split, like one Kafka
 * partition: whatever the parallelism, one reader gets them all, in order, and the others finish
 * at once. The records stay in this JVM (the MiniCluster's); the split carries only their positions.
 */
final class InMemorySource<T>
        implements Source<T, InMemorySource.Split<T>, Collection<InMemorySource.Split<T>>>, ResultTypeQueryable<T> {

    private static final Map<String, List<?>> RECORDS = new ConcurrentHashMap<>();

    private final String id;
    private final int size;
    private final TypeInformation<T> type;

    InMemorySource(List<T> records, TypeInformation<T> type) {
        this.type = type;
        this.id = UUID.randomUUID().toString();
        this.size = records.size();
        RECORDS.put(id, List.copyOf(records));
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return type;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<T, Split<T>> createReader(SourceReaderContext context) {
        return new IteratorSourceReader<>(context);
    }

    @Override
    public SplitEnumerator<Split<T>, Collection<Split<T>>> createEnumerator(SplitEnumeratorContext<Split<T>> context) {
        return new IteratorSourceEnumerator<>(context, List.of(new Split<>(id, 0, size)));
    }

    @Override
    public SplitEnumerator<Split<T>, Collection<Split<T>>> restoreEnumerator(SplitEnumeratorContext<Split<T>> context,
                                                                            Collection<Split<T>> checkpoint) {
        return new IteratorSourceEnumerator<>(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<Split<T>> getSplitSerializer() {
        return new JavaSerializer<>();
    }

    @Override
    public SimpleVersionedSerializer<Collection<Split<T>>> getEnumeratorCheckpointSerializer() {
        return new JavaSerializer<>();
    }

    /** The records [next, end) of the list registered under id. */
    static final class Split<T> implements IteratorSourceSplit<T, Positions<T>>, Serializable {
        private final String id;
        private final int next;
        private final int end;

        Split(String id, int next, int end) {
            this.id = id;
            this.next = next;
            this.end = end;
        }

        @Override
        public String splitId() {
            return id;
        }

        @Override
        public Positions<T> getIterator() {
            return new Positions<>(id, next, end);
        }

        @Override
        public IteratorSourceSplit<T, Positions<T>> getUpdatedSplitForIterator(Positions<T> iterator) {
            return new Split<>(id, iterator.next, end);
        }
    }

    static final class Positions<T> implements Iterator<T> {
        private final List<?> records;
        private int next;
        private final int end;

        Positions(String id, int next, int end) {
            this.records = RECORDS.get(id);
            this.next = next;
            this.end = end;
        }

        @Override
        public boolean hasNext() {
            return next < end;
        }

        @Override
        @SuppressWarnings("unchecked")
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return (T) records.get(next++);
        }
    }

    private static final class JavaSerializer<S> implements SimpleVersionedSerializer<S> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(S value) throws IOException {
            return InstantiationUtil.serializeObject(value instanceof Collection<?> c ? new ArrayList<>(c) : value);
        }

        @Override
        public S deserialize(int version, byte[] bytes) throws IOException {
            try {
                return InstantiationUtil.deserializeObject(bytes, getClass().getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }
    }
}
