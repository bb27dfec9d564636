package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.examples.ExampleBuilder;
import dev.listenseq.examples.TimeBuckets;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.TopicAdmin;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The examples command end to end: the real job on the MiniCluster writes a history topic from
 * generated traffic (duplicates, out-of-order events, malformed records), {@code examples} runs
 * without Flink, and DuckDB (an engine we did not write, from its JDBC jar) reads the Parquet file:
 * row counts, array lengths and values against the snapshots in the history topic, and no example
 * holds an item or a count from at or after its label time.
 */
class ExamplesIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final int L = 12;

    @TempDir
    Path dir;

    @Test
    void examplesWrittenFromTheJobsHistoryReadBackByDuckDbMatchTheSnapshotsAndNeverLeak() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "ex", Map.of("topics.history", "ex-history"));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 3 * 86_400_000L);
        ListeningGenerator generator = new ListeningGenerator(
                new ListeningGenerator.Params(40, 150, 17, 0.02, 0.03, 0.01), () -> clock.addAndGet(7_000));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, List<ListenEvent>> eventsByUser = new HashMap<>();
        int total = 1500;
        for (int i = 0; i < total; i++) {
            ListeningGenerator.Generated g = generator.next();
            records.add(new ProducerRecord<>(config.topics().input(), ListeningGenerator.keyBytes(g.key()), g.value()));
            if (g.event() != null) {
                eventsByUser.computeIfAbsent(g.event().getUserId(), u -> new ArrayList<>()).add(g.event());
            }
        }
        TestKafka.send(kafka, records);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, false);
        JobClient job = env.executeAsync(config.jobName());
        long deadline = System.nanoTime() + WAIT.toNanos();
        JobCounters counters = InProcessMetrics.counters(job.getJobID());
        while (counters == null || counters.recordsIn() < total || counters.unaccounted() != 0) {
            if (System.nanoTime() > deadline) {
                fail("the job did not account for all " + total + " records: " + counters);
            }
            Thread.sleep(200);
            counters = InProcessMetrics.counters(job.getJobID());
        }
        long emitted = counters.snapshots();
        // Exactly-once: the history is visible once the checkpoint after the last event commits.
        List<ConsumerRecord<byte[], byte[]>> history = TestKafka.readAll(kafka, "ex-history");
        while (history.size() < emitted) {
            if (System.nanoTime() > deadline) {
                fail("the history holds " + history.size() + " snapshots, expected " + emitted);
            }
            Thread.sleep(300);
            history = TestKafka.readAll(kafka, "ex-history");
        }
        job.cancel().get(1, TimeUnit.MINUTES);

        Path parquet = dir.resolve("examples.parquet");
        Path vocab = dir.resolve("vocab.tsv");
        String[] common = {"--bootstrap-servers", kafka.bootstrapServers(), "--topics.input", config.topics().input(),
            "--history-topic", "ex-history", "--vocab", vocab.toString(), "--examples.sequence-length", Integer.toString(L),
            "--examples.vocab-min-count", "1", "--examples.min-completion", "0.5"};
        FlinkFreeClassLoader.Run run = FlinkFreeClassLoader.examples(concat(new String[] {"--out", parquet.toString()}, common));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("Examples from " + config.topics().input() + " (start to end) with sequences from"
                + " ex-history into " + parquet + "; vocabulary " + vocab + "\n"), run.err());
        assertTrue(run.err().contains("\n  input   " + String.format("%,d of %,d", total, total) + " (100%)\n"), run.err());
        assertTrue(run.err().contains("\n  join    1 of 1 (100%)\n"), run.err());
        assertTrue(run.err().contains("input: " + String.format("%,d", total) + " records"), run.err());
        long written = Long.parseLong(run.err().replaceAll("(?s).*Wrote ([\\d,]+) examples.*", "$1").replace(",", ""));
        assertTrue(written > 200, "the traffic has hundreds of positives with a history: " + run.err());
        Map<String, Integer> songIndex = readVocabulary(vocab, "song");

        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        Map<String, Map<Long, UserSequence>> snapshots = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : history) {
            UserSequence s = codec.decode(r.value());
            snapshots.computeIfAbsent(s.getUserId(), u -> new HashMap<>()).put(s.getVersion(), s);
        }

        int checked = 0;
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement st = duck.createStatement()) {
            String file = "read_parquet('" + parquet + "')";
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT user_id), min(len(song_index)),"
                    + " max(len(song_index)), min(len(mask)), max(len(weight)), max(len(recency_bucket)),"
                    + " sum(CASE WHEN snapshot_as_of < label_time THEN 0 ELSE 1 END),"
                    + " sum(CASE WHEN length = len(list_filter(mask, m -> m)) THEN 0 ELSE 1 END) FROM " + file)) {
                assertTrue(rs.next());
                assertEquals(written, rs.getLong(1), "DuckDB reads every example written");
                assertTrue(rs.getLong(2) > 10, "examples of many users");
                for (int c = 3; c <= 7; c++) {
                    assertEquals(L, rs.getInt(c), "every array has length L");
                }
                assertEquals(0, rs.getLong(8), "every snapshot is strictly before its label");
                assertEquals(0, rs.getLong(9), "the mask marks exactly `length` positions");
            }
            try (ResultSet rs = st.executeQuery("SELECT user_id, label_time, label_event_id, target_song_id,"
                    + " target_song_index, snapshot_version, length, song_index, weight, plays, skips, liked, collected,"
                    + " last_type, recency_bucket, mask FROM " + file)) {
                while (rs.next()) {
                    String user = rs.getString(1);
                    long labelTime = rs.getObject(2, Timestamp.class).getTime();
                    UserSequence s = snapshots.get(user).get(rs.getLong(6));
                    assertExpectedSnapshot(snapshots.get(user), labelTime, s);
                    assertEquals(songIndex.get(rs.getString(4)), rs.getInt(5));
                    int length = rs.getInt(7);
                    assertEquals(Math.min(L, s.getItems().size()), length);
                    int[] song = ints(rs.getArray(8));
                    float[] weight = floats(rs.getArray(9));
                    int[] plays = ints(rs.getArray(10));
                    int[] skips = ints(rs.getArray(11));
                    boolean[] liked = bools(rs.getArray(12));
                    boolean[] collected = bools(rs.getArray(13));
                    int[] lastType = ints(rs.getArray(14));
                    int[] recency = ints(rs.getArray(15));
                    boolean[] mask = bools(rs.getArray(16));
                    for (int i = 0; i < L; i++) {
                        if (i >= length) {
                            assertFalse(mask[i]);
                            assertEquals(0, song[i] + plays[i] + skips[i] + lastType[i] + recency[i], "padding is 0");
                            continue;
                        }
                        SequenceItem item = s.getItems().get(i);
                        assertTrue(mask[i]);
                        assertEquals(songIndex.get(item.getSongId()), song[i]);
                        assertEquals((float) item.getWeight(), weight[i]);
                        assertEquals(item.getPlays(), plays[i]);
                        assertEquals(item.getSkips(), skips[i]);
                        assertEquals(item.getLiked(), liked[i]);
                        assertEquals(item.getCollected(), collected[i]);
                        assertEquals(ExampleBuilder.typeCode(item.getLastType()), lastType[i]);
                        assertEquals(TimeBuckets.bucket(labelTime - item.getLastTime().toEpochMilli()), recency[i]);
                    }
                    assertNoLeak(eventsByUser.get(user), labelTime, rs.getString(3), s, length);
                    checked++;
                }
            }
        }
        assertEquals(written, checked, "every example was checked against the snapshots and the events");

        // JSON Lines for a look: the same examples; and a second run keeps the vocabulary's indices.
        Path jsonl = dir.resolve("examples.jsonl");
        FlinkFreeClassLoader.Run again = FlinkFreeClassLoader.examples(concat(new String[] {"--out", jsonl.toString()}, common));
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(written, Files.readAllLines(jsonl).size());
        assertEquals(songIndex, readVocabulary(vocab, "song"));
    }

    /** The features come from the highest version strictly before the label time. */
    private static void assertExpectedSnapshot(Map<Long, UserSequence> versions, long labelTime, UserSequence chosen) {
        long best = versions.values().stream().filter(v -> v.getAsOf().toEpochMilli() < labelTime)
                .mapToLong(UserSequence::getVersion).max().orElse(-1);
        assertEquals(best, chosen.getVersion(), "the point-in-time rule picks the latest snapshot before the label");
    }

    /**
     * Leakage: every item and every count of the example is explained by the user's events strictly
     * before the label time (the label event itself and anything later never counted).
     */
    private static void assertNoLeak(List<ListenEvent> events, long labelTime, String labelEventId, UserSequence s,
                                     int length) {
        Map<String, int[]> before = new HashMap<>();
        Set<String> ids = new HashSet<>();
        for (ListenEvent e : events) {
            if (e.getEventTime().toEpochMilli() < labelTime && ids.add(e.getEventId())) {
                int[] c = before.computeIfAbsent(e.getSongId(), x -> new int[4]);
                c[e.getType() == ListenType.PLAY ? 0 : e.getType() == ListenType.SKIP ? 1
                        : e.getType() == ListenType.LIKE ? 2 : 3]++;
            }
        }
        for (int i = 0; i < length; i++) {
            SequenceItem item = s.getItems().get(i);
            int[] c = before.get(item.getSongId());
            assertTrue(c != null, item.getSongId() + " has no event before the label " + labelEventId);
            assertTrue(item.getPlays() <= c[0] && item.getSkips() <= c[1], "counts from at or after the label: " + item);
            assertTrue(!item.getLiked() || c[2] > 0, "a like from at or after the label");
            assertTrue(!item.getCollected() || c[3] > 0, "a collect from at or after the label");
            assertTrue(item.getLastTime().toEpochMilli() < labelTime, "an item touched at or after the label");
        }
    }

    private static Map<String, Integer> readVocabulary(Path file, String kind) throws Exception {
        Map<String, Integer> index = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            if (f[0].equals(kind)) {
                index.put(f[2], Integer.parseInt(f[1]));
            }
        }
        return index;
    }

    private static int[] ints(Array a) throws Exception {
        Object[] values = (Object[]) a.getArray();
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values[i]).intValue();
        }
        return out;
    }

    private static float[] floats(Array a) throws Exception {
        Object[] values = (Object[]) a.getArray();
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values[i]).floatValue();
        }
        return out;
    }

    private static boolean[] bools(Array a) throws Exception {
        Object[] values = (Object[]) a.getArray();
        boolean[] out = new boolean[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Boolean) values[i];
        }
        return out;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
