package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.bench.BulkState;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.embedded.ListeningGenerator;
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
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The bulk state writer of state-bench ({@link BulkState}) writes the job's real state layout: a
 * savepoint it wrote restores into the real job (RocksDB, parallelism 2), and a user's next event
 * gives the snapshot a replay of the user's generated events plus that event gives. A replayed
 * event id is recognised as a duplicate (so the seen ids are there), versions continue, and the
 * snapshots carry the generation the writer stored as operator state.
 */
class BulkStateIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final int[] ACTIVE = {0, 37, 101, 150, 199};

    @Test
    void aBulkWrittenSavepointRestoresIntoTheJobAsTheJobWouldHaveBuiltIt(@TempDir Path dir) throws Exception {
        long now = System.currentTimeMillis();
        BulkState.Spec spec = new BulkState.Spec(200, 20, 5_000, 7, now - 3_600_000, 4242);
        String savepoint = dir.resolve("savepoint").toUri().toString();
        JobConfig config = TestKafka.jobConfig(kafka, "bulk", Map.of(
                "state.expire-after", "",
                "state.restore-from", savepoint,
                "flink.restart-strategy.type", "disable"));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));

        StreamExecutionEnvironment writer = StreamExecutionEnvironment.getExecutionEnvironment();
        writer.setParallelism(2);
        BulkState.write(writer, config, spec, savepoint);

        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, List<ListenEvent>> expectedInput = new HashMap<>();
        for (int i = 0; i < ACTIVE.length; i++) {
            int user = ACTIVE[i];
            String userId = ListeningGenerator.userId(user);
            List<ListenEvent> history = new ArrayList<>(BulkState.events(spec, user));
            // An event the user's state already holds: a duplicate, no change.
            ListenEvent replayed = history.get(3);
            // A new one: a song the user has (every other user) or a new song.
            ListenEvent next = ListenEvent.newBuilder(history.get(history.size() - 1))
                    .setEventId("after-restore-" + user)
                    .setSongId(i % 2 == 0 ? history.get(5).getSongId() : "song-new-" + user)
                    .setType(ListenType.PLAY)
                    .setEventTime(Instant.ofEpochMilli(now - 600_000))
                    .build();
            for (ListenEvent e : List.of(replayed, next)) {
                records.add(new ProducerRecord<>(config.topics().input(), null, now - 600_000,
                        userId.getBytes(StandardCharsets.UTF_8), codec.encode(e)));
            }
            history.add(replayed);
            history.add(next);
            expectedInput.put(userId, history);
        }
        TestKafka.send(kafka, records);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        JobClient job = env.executeAsync(config.jobName());
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        SingleObjectCodec<UserSequence> snapshots = SingleObjectCodec.of(UserSequence.class);
        Map<String, List<UserSequence>> byUser = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().output())) {
            UserSequence s = snapshots.decode(r.value());
            byUser.computeIfAbsent(s.getUserId(), k -> new ArrayList<>()).add(s);
        }
        assertEquals(expectedInput.keySet(), byUser.keySet(), "only the users with new events emit");
        for (Map.Entry<String, List<ListenEvent>> e : expectedInput.entrySet()) {
            List<UserSequence> emitted = byUser.get(e.getKey());
            assertNotNull(emitted, e.getKey());
            assertEquals(1, emitted.size(), e.getKey() + ": the replayed event is a duplicate, the new one emits once");
            UserSequence actual = emitted.get(0);
            UserSequence expected = Replay.of(config, e.getKey(), e.getValue());
            assertEquals(spec.eventsPerUser() + 1, expected.getVersion(), e.getKey());
            Replay.assertSameItems(expected, actual);
            assertEquals(expected.getAsOf(), actual.getAsOf(), e.getKey());
            assertEquals(expected.getRecent(), actual.getRecent(), e.getKey());
            assertEquals(4242, actual.getGeneration(), e.getKey() + ": the generation restored from operator state");
        }
    }
}
