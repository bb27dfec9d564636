package dev.listenseq.it;

import dev.listenseq.app.BackfillCommand;
import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.kafka.TopicAdmin;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backfill gives the streaming job's answer. Two recorded topics of the same generated traffic:
 * one keyed by user (arrival ordering), one with each user's events spread over all partitions
 * (event-time ordering). The streaming job consumes each while it is produced; backfills at
 * parallelism 1, 2 and 4, a backfill handed off to the streaming job, and a chain of savepoints
 * rescaling 2 → 1 → 4 must all end with the same final snapshot for every user.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BackfillIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final int RECORDS = 4_000;
    private static final long LOG_TIME_STEP = 15_000;
    private static final String ARRIVAL_TOPIC = "bf-arrival";
    private static final String EVENT_TIME_TOPIC = "bf-spread";
    /** The generator delays some events by up to 6 h 1 m: within this bound, event-time ordering is deterministic. */
    private static final Map<String, String> EVENT_TIME = Map.of(
            "ordering.mode", "event-time", "ordering.max-disorder", "7h");

    private static final SingleObjectCodec<UserSequence> CODEC = SingleObjectCodec.of(UserSequence.class);
    private static long logTimeStart;
    private static Map<String, UserSequence> liveArrival;
    private static Map<String, UserSequence> liveEventTime;

    /** Records the two topics while the streaming job consumes them, and keeps its final snapshots. */
    @BeforeAll
    static void recordTopicsWhileTheStreamingJobRuns() throws Exception {
        JobConfig arrival = config("live-arrival", ARRIVAL_TOPIC, 2, Map.of());
        JobConfig eventTime = config("live-spread", EVENT_TIME_TOPIC, 2, EVENT_TIME);
        TopicAdmin.ensureTopics(JobParts.kafka(arrival), JobParts.topics(arrival));
        TopicAdmin.ensureTopics(JobParts.kafka(eventTime), JobParts.topics(eventTime));
        JobClient arrivalJob = start(arrival);
        JobClient eventTimeJob = start(eventTime);

        // Recent enough for the broker's retention (7 days) to keep every record.
        logTimeStart = System.currentTimeMillis() - 86_400_000;
        long[] clock = {logTimeStart};
        ListeningGenerator generator = new ListeningGenerator(
                new ListeningGenerator.Params(150, 2_000, 11, 0.02, 0.02, 0.005), () -> clock[0]);
        List<ProducerRecord<byte[], byte[]>> keyed = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> spread = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            clock[0] = logTimeStart + i * LOG_TIME_STEP;
            ListeningGenerator.Generated g = generator.next();
            byte[] key = ListeningGenerator.keyBytes(g.key());
            keyed.add(new ProducerRecord<>(ARRIVAL_TOPIC, null, clock[0], key, g.value()));
            spread.add(new ProducerRecord<>(EVENT_TIME_TOPIC, i % 3, clock[0], key, g.value()));
        }
        for (int from = 0; from < RECORDS; from += 500) {
            TestKafka.send(kafka, keyed.subList(from, from + 500));
            TestKafka.send(kafka, spread.subList(from, from + 500));
            Thread.sleep(100);
        }
        liveArrival = finish(arrivalJob, arrival, false);
        // Draining ends event time: events still waiting for the watermark are applied, as at the end of a backfill.
        liveEventTime = finish(eventTimeJob, eventTime, true);
        assertTrue(liveArrival.size() > 100, "users in the live run: " + liveArrival.size());
        assertEquals(liveArrival.keySet(), liveEventTime.keySet());
    }

    @Test
    void backfillsAtParallelism1_2And4MatchTheStreamingJob() throws Exception {
        for (int parallelism : new int[] {1, 2, 4}) {
            JobConfig config = config("bf-arrival-p" + parallelism, ARRIVAL_TOPIC, parallelism, Map.of());
            BackfillCommand.Result result = BackfillCommand.run(config, new CountDownLatch(1));
            assertEquals(RECORDS, result.range().total());
            assertEquals(RECORDS, result.counters().recordsIn(), "every record read once");
            assertEquals(0, result.counters().unaccounted(), result.counters().toString());
            assertSameFinalSnapshots(liveArrival, finalSnapshots(config), "arrival, parallelism " + parallelism);
        }
    }

    @Test
    void inEventTimeOrderingBackfillsMatchTheStreamingJobWhenUsersSpanPartitions() throws Exception {
        for (int parallelism : new int[] {1, 2, 4}) {
            JobConfig config = config("bf-spread-p" + parallelism, EVENT_TIME_TOPIC, parallelism, EVENT_TIME);
            BackfillCommand.Result result = BackfillCommand.run(config, new CountDownLatch(1));
            assertEquals(0, result.counters().late(), "every event is within the allowed disorder");
            assertSameFinalSnapshots(liveEventTime, finalSnapshots(config), "event-time, parallelism " + parallelism);
        }
        Map<String, String> atEnd = new HashMap<>(EVENT_TIME);
        atEnd.put("backfill.emit", "at-end");
        JobConfig config = config("bf-spread-at-end", EVENT_TIME_TOPIC, 2, atEnd);
        BackfillCommand.run(config, new CountDownLatch(1));
        assertSameFinalSnapshots(liveEventTime, finalSnapshots(config), "event-time, backfill.emit at-end");
        versions(config.topics().output()).forEach((user, versions) ->
                assertEquals(1, versions.size(), user + ": one snapshot per user at the end, got versions " + versions));
    }

    @Test
    void aBackfillHandsOffToTheStreamingJobWithoutGapOrRepeat() throws Exception {
        Instant middle = Instant.ofEpochMilli(logTimeStart + RECORDS / 2 * LOG_TIME_STEP);
        JobConfig backfill = config("handoff", ARRIVAL_TOPIC, 2, Map.of(
                "backfill.to", middle.toString(), "backfill.end-with-savepoint", "true"));
        BackfillCommand.Result first = BackfillCommand.run(backfill, new CountDownLatch(1));
        assertNotNull(first.savepoint());
        assertEquals(RECORDS / 2, first.range().total(), "the first half, by record time");
        assertTrue(finalSnapshots(backfill).size() > 50);

        JobConfig stream = config("handoff", ARRIVAL_TOPIC, 2, Map.of(
                "state.restore-from", first.savepoint(), "job.name", "handoff-stream"));
        finish(start(stream), stream, false);

        Map<String, List<Long>> versions = versions(backfill.topics().output());
        assertConsecutive(versions, "across the hand-off");
        assertSameFinalSnapshots(liveArrival, finalSnapshots(backfill), "backfill then streaming");
    }

    @Test
    void savepointsRestoreAtOtherParallelismsWithEveryUsersState() throws Exception {
        long third = RECORDS / 3 * LOG_TIME_STEP;
        JobConfig atTwo = config("rescale", ARRIVAL_TOPIC, 2, Map.of(
                "backfill.to", String.valueOf(logTimeStart + third), "backfill.end-with-savepoint", "true"));
        String savepoint = BackfillCommand.run(atTwo, new CountDownLatch(1)).savepoint();

        JobConfig atOne = config("rescale", ARRIVAL_TOPIC, 1, Map.of(
                "backfill.to", String.valueOf(logTimeStart + 2 * third), "backfill.end-with-savepoint", "true",
                "state.restore-from", savepoint));
        BackfillCommand.Result second = BackfillCommand.run(atOne, new CountDownLatch(1));
        assertEquals(RECORDS / 3, second.counters().recordsIn(), "continues where the first savepoint stopped");

        JobConfig atFour = config("rescale", ARRIVAL_TOPIC, 4, Map.of(
                "state.restore-from", second.savepoint(), "job.name", "rescale-stream"));
        finish(start(atFour), atFour, false);

        Map<String, List<Long>> versions = versions(atTwo.topics().output());
        assertConsecutive(versions, "across two rescales");
        assertSameFinalSnapshots(liveArrival, finalSnapshots(atTwo), "2 -> 1 -> 4");
    }

    @Test
    void aStoppedBackfillResumesFromItsSavepointToTheSameResult() throws Exception {
        // Ending with a savepoint, the job idles at the end of its range instead of finishing, so the
        // SIGTERM always meets running tasks: 4,000 records take the job well under a second, and a
        // finishing job declines savepoints.
        JobConfig first = config("resume", ARRIVAL_TOPIC, 2, Map.of("backfill.end-with-savepoint", "true"));
        CountDownLatch stop = new CountDownLatch(1);
        stop.countDown(); // SIGTERM right after the start: the savepoint waits for the tasks, then cuts in
        BackfillCommand.Result stopped = BackfillCommand.run(first, stop);
        assertNotNull(stopped.savepoint(), "SIGTERM (here: the latch) stops a backfill with a savepoint");

        JobConfig resumed = config("resume", ARRIVAL_TOPIC, 2, Map.of("state.restore-from", stopped.savepoint()));
        BackfillCommand.Result rest = BackfillCommand.run(resumed, new CountDownLatch(1));
        assertEquals(RECORDS, stopped.counters().recordsIn() + rest.counters().recordsIn(),
                "the two runs together read every record once");
        assertConsecutive(versions(first.topics().output()), "across the interruption");
        assertSameFinalSnapshots(liveArrival, finalSnapshots(first), "stopped and resumed");
    }

    private static JobConfig config(String prefix, String input, int parallelism, Map<String, String> extra) throws Exception {
        Map<String, String> overrides = new HashMap<>(extra);
        overrides.put("topics.input", input);
        overrides.put("parallelism", String.valueOf(parallelism));
        overrides.put("backfill.progress-interval", "1s");
        return TestKafka.jobConfig(kafka, prefix, overrides);
    }

    private static JobClient start(JobConfig config) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, false);
        return env.executeAsync(config.jobName());
    }

    /** Waits until the job has committed the end of its input, stops it with a savepoint, returns its final snapshots. */
    private static Map<String, UserSequence> finish(JobClient job, JobConfig config, boolean drain) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                partitions.add(new TopicPartition(config.topics().input(), p));
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(config.groupId()).partitionsToOffsetAndMetadata().get();
                boolean done = partitions.stream().allMatch(tp -> committed.get(tp) != null
                        && committed.get(tp).offset() >= end.get(tp));
                if (done) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, config.jobName() + " did not reach " + end + ": " + committed);
                Thread.sleep(200);
            }
        }
        job.stopWithSavepoint(drain, config.savepointDir(), SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
        job.getJobExecutionResult().get(1, TimeUnit.MINUTES);
        return finalSnapshots(config);
    }

    private static Map<String, UserSequence> finalSnapshots(JobConfig config) throws Exception {
        Map<String, UserSequence> last = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().output())) {
            UserSequence s = CODEC.decode(r.value());
            last.put(s.getUserId(), s);
        }
        return last;
    }

    private static Map<String, List<Long>> versions(String topic) throws Exception {
        Map<String, List<Long>> versions = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, topic)) {
            UserSequence s = CODEC.decode(r.value());
            versions.computeIfAbsent(s.getUserId(), u -> new ArrayList<>()).add(s.getVersion());
        }
        return versions;
    }

    private static void assertConsecutive(Map<String, List<Long>> versions, String when) {
        for (Map.Entry<String, List<Long>> e : versions.entrySet()) {
            List<Long> got = e.getValue();
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i + 1, got.get(i), e.getKey() + ": versions 1, 2, ... " + when + ": " + got);
            }
        }
    }

    /** Everything but emitted_at and generation equal (a new run starts a new generation); weights within 1e-9 relative. */
    private static void assertSameFinalSnapshots(Map<String, UserSequence> expected, Map<String, UserSequence> actual,
                                                 String run) {
        assertEquals(expected.keySet(), actual.keySet(), run + ": the same users");
        for (UserSequence e : expected.values()) {
            UserSequence a = actual.get(e.getUserId());
            String where = run + ", " + e.getUserId();
            assertEquals(e.getVersion(), a.getVersion(), where + ": version");
            assertEquals(e.getAsOf(), a.getAsOf(), where + ": as_of");
            assertEquals(e.getItems().size(), a.getItems().size(), where + ": items");
            for (int i = 0; i < e.getItems().size(); i++) {
                SequenceItem x = e.getItems().get(i);
                SequenceItem y = a.getItems().get(i);
                double weight = y.getWeight();
                y.setWeight(x.getWeight());
                assertEquals(x, y, where + ": item " + i);
                assertEquals(x.getWeight(), weight, 1e-9 * Math.max(1e-300, Math.abs(x.getWeight())), where + ": weight of " + x.getSongId());
            }
            List<RecentEvent> recent = a.getRecent();
            assertTrue(Objects.equals(e.getRecent(), recent), where + ": recent events " + e.getRecent() + " vs " + recent);
        }
    }
}
