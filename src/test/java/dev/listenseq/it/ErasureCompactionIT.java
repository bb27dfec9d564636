package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.reader.ReaderConfig;
import dev.listenseq.reader.SequenceReader;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Erasure under log compaction, on a broker whose log cleaner really runs: a user's deletion request
 * goes through the real job, the cleaner then removes the user's snapshots and later the tombstone
 * itself from the compacted output topic, and a reader started afterwards (the library and the
 * {@code get} command) knows nothing of the user while every other user is intact.
 *
 * <p>The broker's cleaner wakes every 100 ms (15 s by default) and the output topic rolls a segment
 * every 200 ms of record time, cleans at 1 % dirty and keeps tombstones 2 s; events for the other
 * users keep arriving while the test waits, as in production, so segments roll and the cleaner has
 * something to clean. The history topic (not compacted) shows what the job wrote. Nothing here waits
 * for a fixed time: each wait polls a topic until its condition holds, with a deadline of minutes.
 */
class ErasureCompactionIT {

    private static final Logger LOG = LoggerFactory.getLogger(ErasureCompactionIT.class);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final String GONE = "gone";
    private static final List<String> KEPT = List.of("keep-0", "keep-1", "keep-2");

    private static EmbeddedKafka kafka;

    private final SingleObjectCodec<ListenEvent> events = SingleObjectCodec.of(ListenEvent.class);
    private final SingleObjectCodec<UserSequence> sequences = SingleObjectCodec.of(UserSequence.class);
    private final Map<String, Integer> sent = new HashMap<>();
    private long eventTime = Instant.now().minusSeconds(3600).toEpochMilli();

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(null, null, Map.of("log.cleaner.backoff.ms", "100"));
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @Test
    void theCleanerRemovesAnErasedUsersSnapshotsThenItsTombstoneAndANewReaderKnowsNothingOfIt() throws Exception {
        // The history topic (not compacted) keeps everything the job wrote: the witness of what compaction removed.
        JobConfig config = TestKafka.jobConfig(kafka, "erase", Map.of("topics.history", "erase-history"));
        String output = config.topics().output();
        Properties admin = new Properties();
        admin.put("bootstrap.servers", kafka.bootstrapServers());
        try (Admin a = Admin.create(admin)) {
            a.createTopics(List.of(new NewTopic(output, 3, (short) 1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.SEGMENT_MS_CONFIG, "200",
                    TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01",
                    TopicConfig.DELETE_RETENTION_MS_CONFIG, "2000")))).all().get(1, TimeUnit.MINUTES);
        }
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));

        List<ProducerRecord<byte[], byte[]>> first = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            first.add(event(config, GONE));
            KEPT.forEach(user -> first.add(event(config, user)));
        }
        first.add(new ProducerRecord<>(config.topics().input(), GONE.getBytes(StandardCharsets.UTF_8), null));
        TestKafka.send(kafka, first);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, false);
        JobClient job = env.executeAsync(config.jobName());
        try {
            // The job writes each record to the output and the history in the same transaction; the output's
            // cleaner may already be at work when the history shows the tombstone, so only the history is exact.
            List<String> written = waitForGone(config, "erase-history", records -> records.contains("tombstone"),
                    "the job's tombstone for " + GONE);
            assertEquals(List.of("v1", "v2", "v3", "v4", "v5", "tombstone"), written,
                    "the job wrote the user's snapshots, then the tombstone");

            List<String> cleaned = waitForGone(config, output, records -> records.stream().noneMatch(r -> r.startsWith("v")),
                    "the cleaner to remove the snapshots of " + GONE);
            LOG.info("Once the snapshots were cleaned, {} held of {}: {}", output, GONE, cleaned);
            waitForGone(config, output, List::isEmpty, "the cleaner to remove the tombstone of " + GONE);

            // Let the job apply everything sent, so the final snapshots are known.
            Map<String, UserSequence> latest = newestPerUser(output);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!KEPT.stream().allMatch(u -> latest.containsKey(u) && latest.get(u).getVersion() == sent.get(u))) {
                if (System.nanoTime() > deadline) {
                    fail("the job did not apply every event of the kept users: " + latest.keySet() + " " + sent);
                }
                Thread.sleep(200);
                latest.clear();
                latest.putAll(newestPerUser(output));
            }
            assertEquals(KEPT.size(), latest.size(), "nothing of " + GONE + " is left in " + output);

            try (SequenceReader reader = SequenceReader.start(ReaderConfig.of(kafka.bootstrapServers(), output))) {
                assertTrue(reader.awaitCaughtUp(WAIT), "the new reader catches up");
                assertTrue(reader.get(GONE).isEmpty(), "a reader started after compaction never sees " + GONE);
                assertEquals(KEPT.size(), reader.stats().users());
                for (String user : KEPT) {
                    assertEquals(latest.get(user), reader.get(user).orElseThrow(), user + " is intact");
                }
            }
            FlinkFreeClassLoader.Run get = FlinkFreeClassLoader.command("get", GONE,
                    "--bootstrap-servers", kafka.bootstrapServers(), "--topic", output);
            assertEquals(1, get.exitCode(), get.out());
            assertEquals("error: no snapshot for user \"" + GONE + "\" in " + output + "\n", get.err());
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * Reads the topic until what it holds of the erased user, in offset order ("v1" ... for
     * snapshots, "tombstone"), passes the condition; between reads, sends one more event to each
     * kept user, so the output keeps growing, rolls segments and gives the cleaner work.
     */
    private List<String> waitForGone(JobConfig config, String topic, Predicate<List<String>> condition, String what)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<String> gone = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, topic)) {
                if (GONE.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                    gone.add(r.value() == null ? "tombstone" : "v" + sequences.decode(r.value()).getVersion());
                }
            }
            if (condition.test(gone)) {
                return gone;
            }
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + "; " + topic + " holds of " + GONE + ": " + gone);
            }
            List<ProducerRecord<byte[], byte[]>> more = new ArrayList<>();
            KEPT.forEach(user -> more.add(event(config, user)));
            TestKafka.send(kafka, more);
            Thread.sleep(100);
        }
    }

    /** The newest snapshot of each user in the topic. */
    private Map<String, UserSequence> newestPerUser(String topic) throws Exception {
        Map<String, UserSequence> latest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, topic)) {
            String user = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                latest.remove(user);
            } else {
                latest.put(user, sequences.decode(r.value()));
            }
        }
        return latest;
    }

    /** The user's next event: a completed play of one of four songs, a second after the previous event of anyone. */
    private ProducerRecord<byte[], byte[]> event(JobConfig config, String user) {
        int n = sent.merge(user, 1, Integer::sum);
        eventTime += 1000;
        ListenEvent e = ListenEvent.newBuilder().setEventId(user + "-" + n).setUserId(user).setSongId("song-" + (n % 4))
                .setArtistId("artist-" + (n % 2)).setType(ListenType.PLAY).setEventTime(Instant.ofEpochMilli(eventTime))
                .setPlayedMs(180_000L).setDurationMs(180_000L).build();
        return new ProducerRecord<>(config.topics().input(), user.getBytes(StandardCharsets.UTF_8), events.encode(e));
    }
}
