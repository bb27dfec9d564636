package dev.listenseq.examples;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.reader.ReaderConfig;
import dev.listenseq.reader.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Point-in-time training examples from the events themselves, in bounded memory.
 *
 * <ol>
 *   <li>Input pass: reads the input topic's range, counts song and artist ids for the vocabulary,
 *       and spills every positive (see {@link LabelRule}) to a bucket file chosen by user.</li>
 *   <li>History pass: reads the history topic to its end at start and spills each snapshot of a
 *       labelled user that some label of the user could use (as_of before the user's last label),
 *       and each erasure, to the same user's bucket. The two topics need not be partitioned alike.</li>
 *   <li>Join, one bucket at a time: per user, snapshots sorted by as_of, labels by time; a sweep
 *       gives each label the newest (generation, version) with {@code as_of < label time} ({@link PointInTime}),
 *       only snapshots after the user's last erasure count, and only that snapshot is decoded.</li>
 * </ol>
 *
 * <p>Memory: the vocabulary counts (one entry per distinct id), one entry per labelled user, and one
 * bucket's labels and snapshot positions (about {@code bucket-records} records); never the history.
 * Examples come out grouped by bucket, then by user and label time: shuffle before training.
 */
public final class ExampleExport {

    /** Progress of a phase: records (offsets) done of the total. */
    public interface Progress {
        void update(String phase, long done, long total);
    }

    /** What a run read, wrote and skipped, and why. */
    public record Summary(long inputRecords, long events, long undecodable, long erasures, long labels,
                          long duplicateLabels, long erasedLabels, long withoutSnapshot, long examples, long users,
                          long historyRecords, long snapshotsKept, long historyNotSnapshots, int buckets, long spillBytes,
                          int songs, int artists, int songsAdded, int artistsAdded, long oovTargets) {
    }

    private static final Duration POLL = Duration.ofMillis(200);

    private final ReaderConfig config;
    private final String inputTopic;
    private final ExampleSettings settings;
    private final Progress progress;
    private final SingleObjectCodec<ListenEvent> events = SingleObjectCodec.of(ListenEvent.class);
    private final SingleObjectCodec<UserSequence> snapshots = SingleObjectCodec.of(UserSequence.class);

    public ExampleExport(ReaderConfig config, String inputTopic, ExampleSettings settings, Progress progress) {
        this.config = config;
        this.inputTopic = inputTopic;
        this.settings = settings;
        this.progress = progress;
    }

    public Summary run(Path out) throws IOException {
        Vocabulary vocab = Vocabulary.load(settings.vocab());
        Range input;
        Range history;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config.consumerProperties())) {
            input = Range.of(consumer, Topics.partitions(consumer, inputTopic, config.bootstrapServers()),
                    settings.from(), settings.to());
            history = Range.of(consumer, Topics.partitions(consumer, config.historyTopic(), config.bootstrapServers()),
                    null, null);
        }
        int buckets = (int) Math.max(1, (Math.max(input.total(), history.total()) + settings.bucketRecords() - 1)
                / settings.bucketRecords());
        Counts c = new Counts();
        try (Spill spill = new Spill(settings.spillDir(), buckets)) {
            Map<String, Long> lastLabel = new HashMap<>();
            Map<String, long[]> erasedAt = new HashMap<>();
            read("input", input, r -> readInput(r, spill, vocab, lastLabel, erasedAt, c));
            read("history", history, r -> readHistory(r, spill, lastLabel, c));
            spill.finishWriting();
            c.spillBytes = spill.bytes();
            Map<Vocabulary.Kind, Integer> added = vocab.grow(settings.minCount());
            vocab.save(settings.vocab());
            try (ExampleSink sink = ExampleSink.open(out, settings.rowGroupBytes())) {
                for (int b = 0; b < buckets; b++) {
                    join(spill, b, erasedAt, vocab, sink, c);
                    progress.update("join", b + 1, buckets);
                }
            }
            return new Summary(c.inputRecords, c.events, c.undecodable, c.erasures, c.labels, c.duplicates, c.erased,
                    c.withoutSnapshot, c.examples, c.users, c.historyRecords, c.snapshotsKept, c.notSnapshots, buckets,
                    c.spillBytes, vocab.size(Vocabulary.Kind.SONG), vocab.size(Vocabulary.Kind.ARTIST),
                    added.get(Vocabulary.Kind.SONG), added.get(Vocabulary.Kind.ARTIST), c.oovTargets);
        }
    }

    private static final class Counts {
        long inputRecords, events, undecodable, erasures, labels, duplicates, erased, withoutSnapshot, examples, users;
        long historyRecords, snapshotsKept, notSnapshots, spillBytes, oovTargets;
    }

    private void readInput(ConsumerRecord<byte[], byte[]> r, Spill spill, Vocabulary vocab, Map<String, Long> lastLabel,
                           Map<String, long[]> erasedAt, Counts c) throws IOException {
        c.inputRecords++;
        if (r.value() == null) {
            if (r.key() != null) {
                // An erasure request: this user's earlier labels must not become examples.
                c.erasures++;
                erasedAt.put(new String(r.key(), StandardCharsets.UTF_8), new long[] {r.partition(), r.offset()});
            } else {
                c.undecodable++;
            }
            return;
        }
        ListenEvent e;
        try {
            e = events.decode(r.value());
        } catch (DecodeException ex) {
            c.undecodable++;
            return;
        }
        if (e.getUserId() == null || e.getUserId().isEmpty() || e.getSongId() == null || e.getSongId().isEmpty()
                || e.getEventId() == null) {
            c.undecodable++;
            return;
        }
        c.events++;
        vocab.count(Vocabulary.Kind.SONG, e.getSongId());
        vocab.count(Vocabulary.Kind.ARTIST, e.getArtistId());
        if (settings.rule().isLabel(e)) {
            c.labels++;
            long t = e.getEventTime().toEpochMilli();
            spill.addLabel(new Label(e.getUserId(), t, e.getEventId(), e.getSongId(), e.getArtistId(), e.getType(),
                    r.partition(), r.offset()));
            lastLabel.merge(e.getUserId(), t, Math::max);
        }
    }

    private void readHistory(ConsumerRecord<byte[], byte[]> r, Spill spill, Map<String, Long> lastLabel, Counts c)
            throws IOException {
        c.historyRecords++;
        if (r.key() == null) {
            c.notSnapshots++;
            return;
        }
        String user = new String(r.key(), StandardCharsets.UTF_8);
        Long last = lastLabel.get(user);
        if (last == null) {
            return;
        }
        if (r.value() == null) {
            spill.addSnapshot(user, -1, -1, Long.MIN_VALUE, null);
            return;
        }
        UserSequence s;
        try {
            s = snapshots.decode(r.value());
        } catch (DecodeException ex) {
            c.notSnapshots++;
            return;
        }
        if (!s.getUserId().equals(user)) {
            c.notSnapshots++;
            return;
        }
        // A snapshot at or after the user's last label answers no label: not worth the disk.
        if (PointInTime.usable(s.getAsOf().toEpochMilli(), last)) {
            c.snapshotsKept++;
            spill.addSnapshot(user, s.getGeneration(), s.getVersion(), s.getAsOf().toEpochMilli(), r.value());
        }
    }

    private void join(Spill spill, int bucket, Map<String, long[]> erasedAt, Vocabulary vocab, ExampleSink sink, Counts c)
            throws IOException {
        List<Label> labels = spill.readLabels(bucket);
        if (labels.isEmpty()) {
            return;
        }
        labels.sort(Comparator.comparing(Label::userId).thenComparingLong(Label::time).thenComparing(Label::eventId));
        Map<String, List<Spill.SnapshotEntry>> byUser = sinceLastErasure(spill.readSnapshots(bucket));
        try (RandomAccessFile values = spill.hasSnapshots(bucket) ? spill.snapshotValues(bucket) : null) {
            long cachedPosition = -1;
            UserSequence cached = null;
            int i = 0;
            while (i < labels.size()) {
                String user = labels.get(i).userId();
                int end = i;
                while (end < labels.size() && labels.get(end).userId().equals(user)) {
                    end++;
                }
                List<Spill.SnapshotEntry> snaps = byUser.getOrDefault(user, List.of());
                long[] erased = erasedAt.get(user);
                Set<String> seen = new HashSet<>();
                List<Label> kept = new ArrayList<>();
                for (int k = i; k < end; k++) {
                    Label label = labels.get(k);
                    if (!seen.add(label.eventId())) {
                        c.duplicates++;
                    } else if (erased != null && (label.partition() != erased[0] || label.offset() < erased[1])) {
                        // Before the erasure request (or not orderable against it): the user's data is gone.
                        c.erased++;
                    } else {
                        kept.add(label);
                    }
                }
                long[] times = new long[kept.size()];
                for (int k = 0; k < times.length; k++) {
                    times[k] = kept.get(k).time();
                }
                long[] asOf = new long[snaps.size()];
                long[] generations = new long[snaps.size()];
                long[] versions = new long[snaps.size()];
                for (int k = 0; k < asOf.length; k++) {
                    asOf[k] = snaps.get(k).asOf();
                    generations[k] = snaps.get(k).generation();
                    versions[k] = snaps.get(k).version();
                }
                int[] answers = PointInTime.choose(times, asOf, generations, versions);
                boolean wrote = false;
                for (int k = 0; k < answers.length; k++) {
                    Label label = kept.get(k);
                    if (answers[k] < 0) {
                        c.withoutSnapshot++;
                        continue;
                    }
                    Spill.SnapshotEntry best = snaps.get(answers[k]);
                    if (best.position() != cachedPosition) {
                        byte[] value = new byte[best.size()];
                        values.seek(best.position());
                        values.readFully(value);
                        try {
                            cached = snapshots.decode(value);
                        } catch (DecodeException ex) {
                            throw new IllegalStateException("a snapshot decoded during the scan no longer decodes", ex);
                        }
                        cachedPosition = best.position();
                    }
                    Example example = ExampleBuilder.build(label, cached, vocab, settings.length());
                    if (example.targetSongIndex() == Vocabulary.OOV) {
                        c.oovTargets++;
                    }
                    sink.write(example);
                    c.examples++;
                    wrote = true;
                }
                if (wrote) {
                    c.users++;
                }
                i = end;
            }
        }
    }

    /**
     * Each user's snapshots written after the user's last erasure, in topic order. A tombstone in
     * the history means the user asked to be forgotten: nothing the job wrote before it may become a
     * feature, only the new sequence after it. A user's records share one partition, so topic order
     * is the order the job wrote them in.
     */
    static Map<String, List<Spill.SnapshotEntry>> sinceLastErasure(List<Spill.SnapshotEntry> history) {
        Map<String, List<Spill.SnapshotEntry>> byUser = new HashMap<>();
        for (Spill.SnapshotEntry s : history) {
            if (s.erasure()) {
                byUser.put(s.userId(), new ArrayList<>());
            } else {
                byUser.computeIfAbsent(s.userId(), u -> new ArrayList<>()).add(s);
            }
        }
        return byUser;
    }

    /** Offsets to read per partition: [start, stop). */
    private record Range(Map<TopicPartition, Long> start, Map<TopicPartition, Long> stop) {

        static Range of(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Instant from, Instant to) {
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> start = new HashMap<>(begin);
            Map<TopicPartition, Long> stop = new HashMap<>(end);
            if (from != null) {
                at(consumer, partitions, from, end, start);
            }
            if (to != null) {
                at(consumer, partitions, to, end, stop);
            }
            return new Range(start, stop);
        }

        /** The first offset with a record timestamp at or after the time (the end when there is none). */
        private static void at(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Instant time,
                               Map<TopicPartition, Long> end, Map<TopicPartition, Long> into) {
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, time.toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp o = found.get(tp);
                into.put(tp, o == null ? end.get(tp) : o.offset());
            }
        }

        long total() {
            long t = 0;
            for (TopicPartition tp : start.keySet()) {
                t += Math.max(0, stop.get(tp) - start.get(tp));
            }
            return t;
        }
    }

    /** A record handler that may fail with I/O. */
    private interface Handler {
        void accept(ConsumerRecord<byte[], byte[]> record) throws IOException;
    }

    private void read(String phase, Range range, Handler handler) {
        List<TopicPartition> toRead = new ArrayList<>();
        for (TopicPartition tp : range.start().keySet()) {
            if (range.stop().get(tp) > range.start().get(tp)) {
                toRead.add(tp);
            }
        }
        long total = range.total();
        progress.update(phase, 0, total);
        if (toRead.isEmpty()) {
            return;
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config.consumerProperties())) {
            consumer.assign(toRead);
            toRead.forEach(tp -> consumer.seek(tp, range.start().get(tp)));
            List<TopicPartition> open = new ArrayList<>(toRead);
            Runnable report = () -> {
                long done = 0;
                for (TopicPartition tp : toRead) {
                    long position = open.contains(tp) ? consumer.position(tp) : range.stop().get(tp);
                    done += Math.min(position, range.stop().get(tp)) - range.start().get(tp);
                }
                progress.update(phase, done, total);
            };
            while (!open.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    if (r.offset() < range.stop().get(new TopicPartition(r.topic(), r.partition()))) {
                        handler.accept(r);
                    }
                }
                // Transaction markers and aborted records take offsets too: the end goes by position.
                open.removeIf(tp -> {
                    if (consumer.position(tp) >= range.stop().get(tp)) {
                        consumer.pause(List.of(tp));
                        return true;
                    }
                    return false;
                });
                report.run();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the spill files under " + settings.spillDir(), e);
        }
    }
}
