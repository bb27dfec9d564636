package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.KafkaConnectors;
import dev.listenseq.kafka.SnapshotRecord;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.kafka.TopicLimits;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The snapshot sink against a real broker whose output topic takes less than a snapshot: the limit
 * is read from the broker, the snapshot is cut to fit and counted, the others pass untouched.
 */
class SnapshotSinkIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final int LIMIT = 64 * 1024;

    @Test
    void aSnapshotOverTheTopicLimitIsCutToFitAndCounted() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "sink", Map.of("flink.restart-strategy.type", "none",
                "parallelism", "1"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(config.topics().output(), 1, (short) 1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(LIMIT))))).all().get();
        }
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        TopicLimits limits = TopicAdmin.limits(JobParts.kafka(config), JobParts.topics(config));
        assertEquals(LIMIT, limits.output());
        assertEquals(TopicLimits.BROKER_DEFAULT, limits.dlq());

        List<UserSequence> snapshots = List.of(snapshot("small", 3), snapshot("huge", 2000), snapshot("after", 5));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        env.fromData(snapshots.stream().map(SnapshotRecord::of).toList(), TypeInformation.of(SnapshotRecord.class))
                .sinkTo(KafkaConnectors.snapshotSink(JobParts.kafka(config), JobParts.topics(config), limits)).name("snapshots");
        JobClient job = env.executeAsync("snapshot-sink");
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        Map<String, UserSequence> read = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().output())) {
            assertTrue(r.serializedKeySize() + r.serializedValueSize() <= LIMIT);
            UserSequence s = codec.decode(r.value());
            read.put(s.getUserId(), s);
        }
        assertEquals(snapshots.get(0), read.get("small"));
        assertEquals(snapshots.get(2), read.get("after"));
        UserSequence huge = read.get("huge");
        int kept = huge.getItems().size();
        assertTrue(kept > 50 && kept < 2000, "kept " + kept);
        assertEquals(snapshots.get(1).getItems().subList(0, kept), huge.getItems());

        JobCounters counters = InProcessMetrics.counters(job.getJobID());
        assertEquals(1, counters.count(KafkaConnectors.SNAPSHOTS_TRIMMED), counters.toString());
        assertEquals(2000 - kept, counters.count(KafkaConnectors.ITEMS_TRIMMED), counters.toString());
    }

    private static UserSequence snapshot(String user, int items) {
        List<SequenceItem> list = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            list.add(new SequenceItem(String.format("%05d-", i) + "s".repeat(120), null, Instant.ofEpochMilli(1000 - i),
                    Instant.ofEpochMilli(1000 - i), ListenType.PLAY, 1, 0, false, false, 100L, 0.5));
        }
        return new UserSequence(user, (long) items, Instant.ofEpochMilli(1000), Instant.ofEpochMilli(2000), list, List.of(), 0L);
    }
}
