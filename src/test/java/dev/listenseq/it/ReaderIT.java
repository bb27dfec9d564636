package dev.listenseq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.examples.ExamplesCommand;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.reader.History;
import dev.listenseq.reader.LabelsFile;
import dev.listenseq.reader.ReaderConfig;
import dev.listenseq.reader.ReaderServer;
import dev.listenseq.reader.ReaderStats;
import dev.listenseq.reader.SequenceReader;
import dev.listenseq.reader.SnapshotJson;
import dev.listenseq.reader.TrainingExport;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reader against the real job on the MiniCluster and the in-process broker: its view equals
 * the job's final snapshots (readers started before, during and after the job; at-least-once
 * output with injected duplicates and reordering; a broker restart; records that are not
 * snapshots), the HTTP endpoint serves that view, point-in-time lookups and the training export
 * return exactly the events at or before each label time, and the commands run without Flink.
 */
class ReaderIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long MIN = 60_000;

    @TempDir
    Path dir;

    /** A broker of its own: one case restarts it, which the other classes' shared broker must not see. */
    @BeforeAll
    static void startOwnBroker() throws Exception {
        kafka = EmbeddedKafka.start(null);
    }

    @AfterAll
    static void stopOwnBroker() throws Exception {
        kafka.close();
    }

    private final SingleObjectCodec<UserSequence> sequences = SingleObjectCodec.of(UserSequence.class);

    @Test
    void theReadersViewEqualsTheJobsFinalSnapshotsWhateverItsStartAndTheOutputsDuplicates() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "view", Map.of("delivery.guarantee", "at-least-once"));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        String out = config.topics().output();
        TestKafka.awaitTopics(kafka, out);
        ReaderConfig readerConfig = ReaderConfig.of(kafka.bootstrapServers(), out);
        AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 86_400_000);
        ListeningGenerator generator = new ListeningGenerator(
                new ListeningGenerator.Params(50, 300, 5, 0.03, 0.05, 0.03), () -> clock.addAndGet(5_000));

        try (SequenceReader early = SequenceReader.start(readerConfig)) {
            assertTrue(early.awaitCaughtUp(WAIT), "an empty topic is caught up at once");
            sendGenerated(generator, config.topics().input(), 600);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
            KafkaJob.live(env, config, false);
            JobClient job = env.executeAsync(config.jobName());
            waitFor(() -> early.stats().kept() > 50, "the early reader to see snapshots while the job runs");

            try (SequenceReader mid = SequenceReader.start(readerConfig)) {
                sendGenerated(generator, config.topics().input(), 600);
                waitFor(() -> {
                    JobCounters c = InProcessMetrics.counters(job.getJobID());
                    return c.recordsIn() == 1200 && c.unaccounted() == 0;
                }, "the job to account for all 1200 input records");
                assertTrue(mid.awaitCaughtUp(WAIT), "the reader started mid-stream catches up");
                job.cancel().get(1, TimeUnit.MINUTES);

                List<ConsumerRecord<byte[], byte[]>> written = TestKafka.readAll(kafka, out);
                Map<String, UserSequence> truth = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : written) {
                    UserSequence s = sequences.decode(r.value());
                    truth.merge(s.getUserId(), s, (a, b) -> b.getVersion() > a.getVersion() ? b : a);
                }
                assertTrue(truth.size() >= 30, "most generated users have snapshots: " + truth.size());

                // The readers keep following across a broker restart: everything below is written after it.
                kafka.restartBroker();

                // At-least-once replays: a third of the output again, older versions after newer, shuffled.
                List<ProducerRecord<byte[], byte[]>> replay = new ArrayList<>();
                for (int i = 0; i < written.size(); i += 3) {
                    replay.add(new ProducerRecord<>(out, written.get(i).key(), written.get(i).value()));
                }
                Collections.shuffle(replay, new Random(3));
                // Records that are not snapshots: skipped and counted, never a crash.
                byte[] random = new byte[64];
                new Random(4).nextBytes(random);
                UserSequence someone = truth.values().iterator().next();
                replay.add(new ProducerRecord<>(out, bytes("junk-1"), random));
                replay.add(new ProducerRecord<>(out, bytes("junk-2"), bytes("{\"user_id\":\"junk-2\",\"version\":99}")));
                // An empty value (a null value would be a tombstone: an erasure, not bad input).
                replay.add(new ProducerRecord<>(out, bytes("junk-3"), new byte[0]));
                replay.add(new ProducerRecord<>(out, bytes("mallory"), sequences.encode(someone)));
                TestKafka.send(kafka, replay);

                try (SequenceReader late = SequenceReader.start(readerConfig)) {
                    assertTrue(late.awaitCaughtUp(WAIT));
                    for (SequenceReader reader : List.of(early, mid, late)) {
                        waitFor(() -> reader.stats().skipped() == 4 && sameView(reader, truth),
                                "a reader's view to equal the job's final snapshots: " + reader.stats());
                        assertTrue(reader.get("nobody").isEmpty());
                        assertTrue(reader.isRunning());
                    }
                    ReaderStats stats = late.stats();
                    assertEquals(written.size() + replay.size(), stats.records());
                    assertEquals(truth.size(), stats.users());
                    assertTrue(stats.stale() >= replay.size() - 4, "replays are stale: " + stats);
                    assertTrue(stats.lastSkipped().contains(" is not a snapshot: "), stats.lastSkipped());

                    checkHttp(late, truth);
                    checkFlinkFreeGet(out, someone.getUserId(), truth.get(someone.getUserId()));
                }
            }
        }
    }

    private void checkHttp(SequenceReader reader, Map<String, UserSequence> truth) throws Exception {
        try (ReaderServer server = ReaderServer.start(reader, "127.0.0.1", 0)) {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.port();
            for (UserSequence s : truth.values()) {
                HttpResponse<String> r = get(client, base + "/users/" + s.getUserId() + "/sequence");
                assertEquals(200, r.statusCode());
                assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
                assertEquals(SnapshotJson.line(s), r.body());
            }
            HttpResponse<String> unknown = get(client, base + "/users/nobody/sequence");
            assertEquals(404, unknown.statusCode());
            assertEquals("{\"error\":\"unknown user\",\"user_id\":\"nobody\"}", unknown.body());
            assertEquals(200, get(client, base + "/health").statusCode());
            JsonNode ready = SnapshotJson.MAPPER.readTree(get(client, base + "/ready").body());
            assertEquals("ready", ready.get("status").asText());
            assertEquals(truth.size(), ready.get("users").asLong());
            assertEquals(404, get(client, base + "/users").statusCode());
            assertEquals(405, client.send(HttpRequest.newBuilder(URI.create(base + "/health"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private void checkFlinkFreeGet(String topic, String user, UserSequence expected) throws Exception {
        try (URLClassLoader loader = FlinkFreeClassLoader.create()) {
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.apache.flink.api.common.JobID"),
                    "the loader must really lack Flink, or this check proves nothing");
        }
        FlinkFreeClassLoader.Run json = FlinkFreeClassLoader.command("get", user, "--json",
                "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic);
        assertEquals(0, json.exitCode(), json.err());
        assertEquals(SnapshotJson.line(expected) + "\n", json.out());

        FlinkFreeClassLoader.Run text = FlinkFreeClassLoader.command("get", user,
                "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic);
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().startsWith(user + "  version " + String.format("%,d", expected.getVersion())), text.out());
        assertTrue(text.out().contains(expected.getItems().get(0).getSongId()), text.out());

        FlinkFreeClassLoader.Run unknown = FlinkFreeClassLoader.command("get", "nobody",
                "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic);
        assertEquals(1, unknown.exitCode());
        assertEquals("error: no snapshot for user \"nobody\" in " + topic + "\n", unknown.err());

        FlinkFreeClassLoader.Run tail = FlinkFreeClassLoader.command("tail", "--from-beginning", "--user", user,
                "--limit", "1", "--json", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic);
        assertEquals(0, tail.exitCode(), tail.err());
        assertEquals(user, SnapshotJson.MAPPER.readTree(tail.out()).get("user_id").asText());

        FlinkFreeClassLoader.Run usage = FlinkFreeClassLoader.command("get", "--bootstrap-servers", kafka.bootstrapServers());
        assertEquals(2, usage.exitCode());
        assertEquals("error: get needs exactly one user id: listenseq get USER [--as-of TIME] [--json]\n", usage.err());
    }

    @Test
    void pointInTimeLookupsAndTheTrainingExportHoldExactlyTheEventsAtOrBeforeEachLabel() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "pit", Map.of("topics.history", "pit-history"));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        List<ListenEvent> events = List.of(
                event("a1", "alice", "song-a", ListenType.PLAY, T0),
                event("a2", "alice", "song-b", ListenType.PLAY, T0 + 5 * MIN),
                event("a3", "alice", "song-c", ListenType.SKIP, T0 + 10 * MIN),
                event("a4", "alice", "song-a", ListenType.LIKE, T0 + 15 * MIN),
                event("b1", "bob", "song-a", ListenType.PLAY, T0 + 60 * MIN));
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        TestKafka.send(kafka, events.stream()
                .map(e -> new ProducerRecord<>(config.topics().input(), bytes(e.getUserId()), codec.encode(e)))
                .collect(Collectors.toList()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        env.executeAsync(config.jobName()).getJobExecutionResult().get(3, TimeUnit.MINUTES);
        assertEquals(5, TestKafka.readAll(kafka, config.topics().output()).size());
        List<ConsumerRecord<byte[], byte[]>> history = TestKafka.readAll(kafka, "pit-history");
        assertEquals(5, history.size(), "the job writes every snapshot to history too");
        // At-least-once repeats in the history, newest first: the answers must not change.
        List<ProducerRecord<byte[], byte[]>> repeats = new ArrayList<>();
        for (int i = history.size() - 1; i >= 0; i--) {
            repeats.add(new ProducerRecord<>("pit-history", history.get(i).key(), history.get(i).value()));
        }
        TestKafka.send(kafka, repeats);

        // Labels before, exactly at, and between events; a user without events; both time formats.
        Path labels = dir.resolve("labels.csv");
        Files.write(labels, List.of(
                "user_id,label_time,clicked",
                "alice," + Instant.ofEpochMilli(T0 - MIN) + ",0",
                "alice," + T0 + ",1",
                "alice," + Instant.ofEpochMilli(T0 + 7 * MIN) + ",0",
                "alice," + (T0 + 10 * MIN) + ",1",
                "alice," + Instant.ofEpochMilli(T0 + 12 * MIN) + ",0",
                "alice," + Instant.ofEpochMilli(T0 + 99 * MIN) + ",1",
                "bob," + Instant.ofEpochMilli(T0 + 59 * MIN) + ",0",
                "bob," + Instant.ofEpochMilli(T0 + 60 * MIN) + ",1",
                "carol," + T0 + ",0"));
        List<String> users = List.of("alice", "alice", "alice", "alice", "alice", "alice", "bob", "bob", "carol");
        long[] times = {T0 - MIN, T0, T0 + 7 * MIN, T0 + 10 * MIN, T0 + 12 * MIN, T0 + 99 * MIN, T0 + 59 * MIN,
            T0 + 60 * MIN, T0};

        String bootstrap = kafka.bootstrapServers();
        Path jsonOut = dir.resolve("train.jsonl");
        FlinkFreeClassLoader.Run run = FlinkFreeClassLoader.command("export", "--labels", labels.toString(),
                "--out", jsonOut.toString(), "--bootstrap-servers", bootstrap, "--topic", config.topics().output(),
                "--history-topic", "pit-history");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("read 11 of 11 offsets (100%)"), "10 snapshots and a commit marker: " + run.err());
        assertTrue(run.err().contains("Wrote 9 rows to " + jsonOut + ": 6 with a sequence, 3 with none"), run.err());

        List<String> rows = Files.readAllLines(jsonOut);
        assertEquals(9, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String user = users.get(i);
            JsonNode row = SnapshotJson.MAPPER.readTree(rows.get(i));
            long label = times[i];
            String where = "row " + i + " " + users.get(i) + " at " + Instant.ofEpochMilli(label);
            assertEquals(users.get(i), row.get("user_id").asText(), where);
            assertEquals(Instant.ofEpochMilli(label).toString(), row.get("label_time").asText(), where);
            assertEquals(i % 2 == 1 ? "1" : "0", row.get("labels").get("clicked").asText(), where);
            List<Long> expected = events.stream()
                    .filter(e -> e.getUserId().equals(user) && e.getEventTime().toEpochMilli() <= label)
                    .map(e -> e.getEventTime().toEpochMilli())
                    .sorted(Collections.reverseOrder())
                    .collect(Collectors.toList());
            JsonNode sequence = row.get("sequence");
            if (expected.isEmpty()) {
                assertTrue(sequence.isNull(), where + " has no snapshot at or before its time");
                continue;
            }
            List<Long> recent = new ArrayList<>();
            sequence.get("recent").forEach(e -> recent.add(Instant.parse(e.get("event_time").asText()).toEpochMilli()));
            assertEquals(expected, recent, where + ": exactly the events at or before the label");
            assertEquals(expected.size(), sequence.get("version").asLong(), where);
            assertTrue(Instant.parse(sequence.get("as_of").asText()).toEpochMilli() <= label, where);
            sequence.get("items").forEach(item ->
                    assertTrue(Instant.parse(item.get("last_time").asText()).toEpochMilli() <= label, where));
        }

        // The same export as an Avro container file, read back with a plain generic reader.
        Path avroOut = dir.resolve("train.avro");
        ReaderConfig readerConfig = ReaderConfig.of(bootstrap, config.topics().output()).withHistoryTopic("pit-history");
        TrainingExport.Result result = TrainingExport.run(readerConfig, LabelsFile.read(labels), avroOut,
                TrainingExport.Format.forPath(avroOut), (scanned, total) -> { });
        assertEquals(new TrainingExport.Result(9, 6, 3, new History.ScanStats(10, 10, 0, 0)), result);
        List<Long> avroVersions = new ArrayList<>();
        try (DataFileReader<GenericRecord> reader = new DataFileReader<>(avroOut.toFile(), new GenericDatumReader<>())) {
            for (GenericRecord row : reader) {
                GenericRecord sequence = (GenericRecord) row.get("sequence");
                avroVersions.add(sequence == null ? 0L : (Long) sequence.get("version"));
                assertEquals(Instant.ofEpochMilli(times[avroVersions.size() - 1]).toEpochMilli(), row.get("label_time"));
            }
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 3L, 4L, 0L, 1L, 0L), avroVersions);

        // As-of lookups from the library and the command line.
        assertEquals(2L, History.asOf(readerConfig, "alice", Instant.ofEpochMilli(T0 + 7 * MIN)).orElseThrow().getVersion());
        assertTrue(History.asOf(readerConfig, "alice", Instant.ofEpochMilli(T0 - 1)).isEmpty());
        try (SequenceReader reader = SequenceReader.start(readerConfig)) {
            assertEquals(4L, reader.asOf("alice", Instant.ofEpochMilli(T0 + 15 * MIN)).orElseThrow().getVersion());
            assertTrue(reader.awaitCaughtUp(WAIT));
            assertEquals(4L, reader.get("alice").orElseThrow().getVersion());
        }
        FlinkFreeClassLoader.Run asOf = FlinkFreeClassLoader.command("get", "alice", "--as-of",
                Instant.ofEpochMilli(T0 + 12 * MIN).toString(), "--json", "--bootstrap-servers", bootstrap,
                "--topic", config.topics().output(), "--history-topic", "pit-history");
        assertEquals(0, asOf.exitCode(), asOf.err());
        assertEquals(3, SnapshotJson.MAPPER.readTree(asOf.out()).get("version").asLong());

        // A malformed labels file: a clear error naming the line, and no rows written.
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, List.of("{\"user_id\":\"alice\",\"label_time\":" + T0 + "}", "{\"user_id\":\"bob\",\"label_time\":\"soon\"}"));
        Path badOut = dir.resolve("bad-out.jsonl");
        FlinkFreeClassLoader.Run failed = FlinkFreeClassLoader.command("export", "--labels", bad.toString(),
                "--out", badOut.toString(), "--bootstrap-servers", bootstrap, "--history-topic", "pit-history");
        assertEquals(1, failed.exitCode());
        assertEquals("error: " + bad + " line 2: label_time \"soon\" is neither epoch milliseconds nor an ISO-8601 time"
                + " with an offset, like 2026-11-01T10:00:00Z\n", failed.err());
        assertFalse(Files.exists(badOut));
    }

    /**
     * The user asked to be forgotten: no history read (as-of lookups, the latest snapshot from a
     * topic not compacted yet, the training export, the examples) returns a snapshot the job wrote
     * before the user's tombstone, although the history topic still holds them; the new sequence
     * after it is used as any other, and other users are untouched.
     */
    @Test
    void historyReadsDropEverythingBeforeAnErasure() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "forget", Map.of("topics.history", "forget-history"));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        String in = config.topics().input();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (ListenEvent e : List.of(
                event("e1", "erin", "song-a", ListenType.PLAY, T0),
                event("e2", "erin", "song-b", ListenType.PLAY, T0 + MIN),
                event("e3", "erin", "song-c", ListenType.PLAY, T0 + 2 * MIN),
                event("d1", "dan", "song-a", ListenType.PLAY, T0))) {
            records.add(new ProducerRecord<>(in, bytes(e.getUserId()), codec.encode(e)));
        }
        records.add(new ProducerRecord<>(in, bytes("erin"), null));
        records.add(new ProducerRecord<>(in, bytes("erin"), codec.encode(event("e4", "erin", "song-d", ListenType.PLAY, T0 + 5 * MIN))));
        records.add(new ProducerRecord<>(in, bytes("erin"), codec.encode(event("e5", "erin", "song-e", ListenType.PLAY, T0 + 6 * MIN))));
        TestKafka.send(kafka, records);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        env.executeAsync(config.jobName()).getJobExecutionResult().get(3, TimeUnit.MINUTES);
        List<String> erin = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, "forget-history")) {
            if (new String(r.key(), StandardCharsets.UTF_8).equals("erin")) {
                erin.add(r.value() == null ? "tombstone" : "v" + sequences.decode(r.value()).getVersion());
            }
        }
        assertEquals(List.of("v1", "v2", "v3", "tombstone", "v1", "v2"), erin, "the history still holds the erased sequence");

        String bootstrap = kafka.bootstrapServers();
        String output = config.topics().output();
        ReaderConfig readerConfig = ReaderConfig.of(bootstrap, output).withHistoryTopic("forget-history");
        assertTrue(History.asOf(readerConfig, "erin", Instant.ofEpochMilli(T0 + 4 * MIN)).isEmpty(),
                "the erased sequence is gone, the new one has not started yet");
        UserSequence fresh = History.asOf(readerConfig, "erin", Instant.ofEpochMilli(T0 + 5 * MIN)).orElseThrow();
        assertEquals(1, fresh.getVersion(), "version 1 of the new sequence, not version 3 of the erased one");
        assertEquals(List.of("song-d"), fresh.getItems().stream().map(SequenceItem::getSongId).collect(Collectors.toList()));
        try (SequenceReader reader = SequenceReader.start(readerConfig)) {
            assertEquals(2, reader.asOf("erin", Instant.ofEpochMilli(T0 + 60 * MIN)).orElseThrow().getVersion());
        }
        assertEquals(1, History.asOf(readerConfig, "dan", Instant.ofEpochMilli(T0)).orElseThrow().getVersion());

        // The output topic is compacted, but its cleaner has not run yet: `get` must not bring back version 3.
        FlinkFreeClassLoader.Run latest = FlinkFreeClassLoader.command("get", "erin", "--json",
                "--bootstrap-servers", bootstrap, "--topic", output);
        assertEquals(0, latest.exitCode(), latest.err());
        JsonNode now = SnapshotJson.MAPPER.readTree(latest.out());
        assertEquals(2, now.get("version").asLong());
        assertEquals(2, now.get("items").size(), "song-e and song-d only: " + now);
        FlinkFreeClassLoader.Run before = FlinkFreeClassLoader.command("get", "erin", "--as-of",
                Instant.ofEpochMilli(T0 + 3 * MIN).toString(), "--bootstrap-servers", bootstrap, "--topic", output,
                "--history-topic", "forget-history");
        assertEquals(1, before.exitCode(), before.out());

        // The export: a label before the erasure finds nothing, one after it the new sequence.
        Path labels = dir.resolve("forget-labels.csv");
        Files.write(labels, List.of("user_id,label_time", "erin," + (T0 + 3 * MIN), "erin," + (T0 + 10 * MIN),
                "dan," + (T0 + MIN)));
        Path exported = dir.resolve("forget.jsonl");
        FlinkFreeClassLoader.Run export = FlinkFreeClassLoader.command("export", "--labels", labels.toString(),
                "--out", exported.toString(), "--bootstrap-servers", bootstrap, "--history-topic", "forget-history");
        assertEquals(0, export.exitCode(), export.err());
        assertTrue(export.err().contains("1 erasures of labelled users"), export.err());
        List<Long> versions = new ArrayList<>();
        for (String line : Files.readAllLines(exported)) {
            JsonNode sequence = SnapshotJson.MAPPER.readTree(line).get("sequence");
            versions.add(sequence.isNull() ? 0L : sequence.get("version").asLong());
        }
        assertEquals(List.of(0L, 2L, 1L), versions);

        // The examples: positives before the erasure request are dropped on the input side; after it,
        // only the new sequence may be a feature (version 3 of the erased one is older than e4 and e5).
        Path examples = dir.resolve("forget-examples.jsonl");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ExamplesCommand.run(List.of("--out", examples.toString(),
                "--bootstrap-servers", bootstrap, "--topics.input", in, "--history-topic", "forget-history",
                "--vocab", dir.resolve("forget-vocab.tsv").toString(), "--examples.min-completion", "0.5",
                "--examples.vocab-min-count", "1"), new PrintStream(err, true, StandardCharsets.UTF_8));
        String summary = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, summary);
        assertTrue(summary.contains("3 erased, 2 with no snapshot before them"), summary);
        Map<String, Long> exampleVersions = new HashMap<>();
        for (String line : Files.readAllLines(examples)) {
            JsonNode example = SnapshotJson.MAPPER.readTree(line);
            exampleVersions.put(example.get("label_event_id").asText(), example.get("snapshot_version").asLong());
        }
        assertEquals(Map.of("e5", 1L), exampleVersions, "e4 has no snapshot of the new sequence before it");
    }

    /**
     * Snapshots written with an older release of the schema decode through the schema files: the
     * reader is given a build whose schemas/ holds an older v1 (without artist_id and completion,
     * which the current version added with defaults) and the current schema as v2.
     */
    @Test
    void snapshotsFromAnOlderSchemaVersionAreReadThroughTheSchemaFiles() throws Exception {
        String first = Files.readString(Path.of("schemas", "UserSequence-v1.avsc"));
        ObjectNode older = (ObjectNode) SnapshotJson.MAPPER.readTree(first);
        ObjectNode item = (ObjectNode) older.get("fields").get(4).get("type").get("items");
        removeField(item, "artist_id");
        ObjectNode recent = (ObjectNode) older.get("fields").get(5).get("type").get("items");
        removeField(recent, "completion");
        Path build = dir.resolve("older-build");
        Files.createDirectories(build.resolve("schemas"));
        // A build with one more, older version: it comes first, every released version moves up one.
        Files.writeString(build.resolve("schemas/UserSequence-v1.avsc"), older.toString());
        for (int v = 1; Files.isRegularFile(Path.of("schemas", "UserSequence-v" + v + ".avsc")); v++) {
            Files.copy(Path.of("schemas", "UserSequence-v" + v + ".avsc"),
                    build.resolve("schemas/UserSequence-v" + (v + 1) + ".avsc"));
        }

        Schema olderSchema = new Schema.Parser().parse(older.toString());
        GenericRecord song = new GenericData.Record(olderSchema.getField("items").schema().getElementType());
        song.put("song_id", "song-a");
        song.put("first_time", T0);
        song.put("last_time", T0);
        song.put("last_type", new GenericData.EnumSymbol(song.getSchema().getField("last_type").schema(), "PLAY"));
        song.put("plays", 1);
        song.put("skips", 0);
        song.put("liked", false);
        song.put("collected", false);
        song.put("listened_ms", 120_000L);
        song.put("weight", 0.5);
        GenericRecord play = new GenericData.Record(olderSchema.getField("recent").schema().getElementType());
        play.put("song_id", "song-a");
        play.put("type", new GenericData.EnumSymbol(play.getSchema().getField("type").schema(), "PLAY"));
        play.put("event_time", T0);
        GenericRecord snapshot = new GenericData.Record(olderSchema);
        snapshot.put("user_id", "old-user");
        snapshot.put("version", 3L);
        snapshot.put("as_of", T0);
        snapshot.put("emitted_at", T0 + 1000);
        snapshot.put("items", List.of(song));
        snapshot.put("recent", List.of(play));
        byte[] value = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), olderSchema).encode(snapshot).array();

        String topic = "older-out";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        TestKafka.send(kafka, List.of(new ProducerRecord<>(topic, bytes("old-user"), value)));

        FlinkFreeClassLoader.Run run = FlinkFreeClassLoader.command(List.of(build), "get", "old-user", "--json",
                "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic);
        assertEquals(0, run.exitCode(), run.err());
        JsonNode read = SnapshotJson.MAPPER.readTree(run.out());
        assertEquals(3, read.get("version").asLong());
        assertEquals("song-a", read.get("items").get(0).get("song_id").asText());
        assertTrue(read.get("items").get(0).get("artist_id").isNull(), "a field the old writer lacked takes its default");
        assertTrue(read.get("recent").get(0).get("completion").isNull());

        // This build has no such version: the record is not misread, it is not a snapshot.
        FlinkFreeClassLoader.Run unknown = FlinkFreeClassLoader.command("get", "old-user",
                "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic);
        assertEquals(1, unknown.exitCode(), unknown.out());
    }

    private static void removeField(ObjectNode record, String name) {
        ArrayNode fields = (ArrayNode) record.get("fields");
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).get("name").asText().equals(name)) {
                fields.remove(i);
                return;
            }
        }
        fail("no field " + name + " in " + record.get("name"));
    }

    private static boolean sameView(SequenceReader reader, Map<String, UserSequence> truth) {
        if (reader.stats().users() != truth.size()) {
            return false;
        }
        for (Map.Entry<String, UserSequence> e : truth.entrySet()) {
            if (!reader.get(e.getKey()).map(e.getValue()::equals).orElse(false)) {
                return false;
            }
        }
        return true;
    }

    private static void sendGenerated(ListeningGenerator generator, String topic, int n) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ListeningGenerator.Generated g = generator.next();
            records.add(new ProducerRecord<>(topic, ListeningGenerator.keyBytes(g.key()), g.value()));
        }
        TestKafka.send(kafka, records);
    }

    private static ListenEvent event(String id, String user, String song, ListenType type, long time) {
        boolean timed = type == ListenType.PLAY || type == ListenType.SKIP;
        return new ListenEvent(id, user, song, null, type, Instant.ofEpochMilli(time),
                timed ? 120_000L : null, timed ? 180_000L : null, "radio", null, null);
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
