package dev.listenseq.it;

import dev.listenseq.flink.Emission;
import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.kafka.KafkaIO;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.pipeline.SequencePipeline;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once output across a failure: the job fails once mid-stream after a completed
 * checkpoint, restarts from it, and the committed output still holds every user's versions
 * 1, 2, ..., n exactly once, and final snapshots equal a failure-free replay of the same events.
 */
class ExactlyOnceRecoveryIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
    private static final AtomicBoolean FAILED = new AtomicBoolean();

    /** Throws once, 100 records after a checkpoint completed: uncommitted output is then in flight. */
    static final class FailOnceAfterCheckpoint extends RichMapFunction<RawRecord, RawRecord> implements CheckpointListener {
        private transient long seenSinceCheckpoint;
        private transient boolean checkpointed;

        @Override
        public void open(OpenContext openContext) {
            seenSinceCheckpoint = 0;
            checkpointed = false;
        }

        @Override
        public RawRecord map(RawRecord record) {
            if (checkpointed && ++seenSinceCheckpoint > 100 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after a checkpoint");
            }
            return record;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
            CHECKPOINTED.set(true);
        }
    }

    @Test
    void aFailureAfterACheckpointLosesAndRepeatsNothing() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "eos", Map.of(
                "flink.restart-strategy.type", "fixed-delay",
                "flink.restart-strategy.fixed-delay.attempts", "3",
                "flink.restart-strategy.fixed-delay.delay", "200ms"));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));

        AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 10L * 86_400_000);
        ListeningGenerator generator = new ListeningGenerator(
                new ListeningGenerator.Params(150, 2_000, 5, 0.02, 0.02, 0), () -> clock.addAndGet(15_000));
        Map<String, List<ListenEvent>> byUser = new LinkedHashMap<>();
        Map<String, Long> expectedVersions = new HashMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ListeningGenerator.Generated g = generator.next();
            records.add(new ProducerRecord<>(config.topics().input(), ListeningGenerator.keyBytes(g.key()), g.value()));
            byUser.computeIfAbsent(g.key(), k -> new ArrayList<>()).add(g.event());
            if (g.kind() == ListeningGenerator.Kind.EVENT) {
                expectedVersions.merge(g.key(), 1L, Long::sum);
            }
        }
        long expectedSnapshots = expectedVersions.values().stream().mapToLong(Long::longValue).sum();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaIO io = KafkaIO.connect(JobParts.kafka(config), JobParts.topics(config));
        DataStream<RawRecord> input = SequencePipeline.read(env, io.source(false), JobParts.sequence(config),
                        io.lateMaxRecordBytes())
                .map(new FailOnceAfterCheckpoint()).uid("failure-injector").name("Fail once");
        SequencePipeline.build(input, KafkaJob.sinks(io), JobParts.sequence(config), Emission.THROTTLED);
        // Half the traffic first; the rest once a checkpoint has completed, so the failure hits the
        // second half with a transaction open.
        TestKafka.send(kafka, records.subList(0, records.size() / 2));
        JobClient job = env.executeAsync(config.jobName());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!CHECKPOINTED.get() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        TestKafka.send(kafka, records.subList(records.size() / 2, records.size()));

        List<ConsumerRecord<byte[], byte[]>> output;
        do {
            Thread.sleep(1_000);
            output = TestKafka.readAll(kafka, config.topics().output());
        } while (output.size() < expectedSnapshots && System.nanoTime() < deadline);
        Thread.sleep(2_000);
        output = TestKafka.readAll(kafka, config.topics().output());
        assertTrue(FAILED.get(), "the failure was injected");
        assertEquals(JobStatus.RUNNING, job.getJobStatus().get(), "the job recovered");
        job.cancel().get(1, TimeUnit.MINUTES);

        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        Map<String, List<Long>> versions = new HashMap<>();
        Map<String, UserSequence> last = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : output) {
            UserSequence s = codec.decode(r.value());
            assertEquals(s.getUserId(), new String(r.key(), StandardCharsets.UTF_8));
            versions.computeIfAbsent(s.getUserId(), u -> new ArrayList<>()).add(s.getVersion());
            last.put(s.getUserId(), s);
        }
        assertEquals(expectedSnapshots, output.size(), "no snapshot lost or repeated");
        assertEquals(expectedVersions.keySet(), versions.keySet());
        for (Map.Entry<String, Long> e : expectedVersions.entrySet()) {
            List<Long> got = versions.get(e.getKey());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i + 1, got.get(i), e.getKey() + ": versions must be 1, 2, ... in offset order: " + got);
            }
            assertEquals(e.getValue(), (long) got.size(), e.getKey());
        }
        for (Map.Entry<String, List<ListenEvent>> e : byUser.entrySet()) {
            Replay.assertSameItems(Replay.of(config, e.getKey(), e.getValue()), last.get(e.getKey()));
        }
    }
}
