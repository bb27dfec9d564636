package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.KafkaConnectors;
import dev.listenseq.kafka.TopicAdmin;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input never stops the job: every bad record lands in the DLQ with its reason, topic,
 * partition and offset; good records around them are applied. Restarts are disabled, so a single
 * exception anywhere would fail the job and this test.
 */
class BadInputIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);

    private static final long NOW = System.currentTimeMillis();

    private static ListenEvent valid(String id, String user) {
        return new ListenEvent(id, user, "song-1", null, ListenType.PLAY, Instant.ofEpochMilli(NOW - 60_000), 120_000L,
                180_000L, "radio", null, null);
    }

    private record Bad(String what, DeadLetterReason reason, byte[] value) {
    }

    @Test
    void everyBadRecordLandsInTheDeadLetterTopicAndTheJobNeverRestarts() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "bad", Map.of("flink.restart-strategy.type", "disable"));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        Random random = new Random(11);
        byte[] randomBytes = new byte[200];
        random.nextBytes(randomBytes);
        byte[] foreignHeader = codec.encode(valid("x1", "mallory"));
        foreignHeader[5] ^= 0x11;
        byte[] corruptBody = codec.encode(valid("x2", "mallory"));
        corruptBody[10] = (byte) 0xFE;
        corruptBody[11] = (byte) 0xFF;
        corruptBody[12] = (byte) 0xFF;
        corruptBody[13] = (byte) 0xFF;
        corruptBody[14] = (byte) 0x0F;

        List<Bad> bad = new ArrayList<>();
        bad.add(new Bad("random bytes", DeadLetterReason.UNDECODABLE, randomBytes));
        bad.add(new Bad("JSON", DeadLetterReason.UNDECODABLE, "{\"event_id\":\"1\"}".getBytes(StandardCharsets.UTF_8)));
        bad.add(new Bad("empty value", DeadLetterReason.UNDECODABLE, new byte[0]));
        bad.add(new Bad("corrupt length in a valid header's body", DeadLetterReason.UNDECODABLE, corruptBody));
        bad.add(new Bad("unknown fingerprint", DeadLetterReason.UNKNOWN_SCHEMA, foreignHeader));
        bad.add(new Bad("tombstone", DeadLetterReason.EMPTY_VALUE, null));
        bad.add(bad("unknown type", DeadLetterReason.UNKNOWN_TYPE, e -> e.setType(ListenType.UNKNOWN)));
        bad.add(bad("empty user id", DeadLetterReason.INVALID_ID, e -> e.setUserId("")));
        bad.add(bad("10 KB user id", DeadLetterReason.INVALID_ID, e -> e.setUserId("u".repeat(10_240))));
        bad.add(bad("empty song id", DeadLetterReason.INVALID_ID, e -> e.setSongId("")));
        bad.add(bad("10 KB event id", DeadLetterReason.INVALID_ID, e -> e.setEventId("e".repeat(10_240))));
        bad.add(bad("negative played_ms", DeadLetterReason.INVALID_DURATION, e -> e.setPlayedMs(-30_000L)));
        bad.add(bad("negative duration_ms", DeadLetterReason.INVALID_DURATION, e -> e.setDurationMs(-1L)));
        bad.add(bad("play without played_ms", DeadLetterReason.MISSING_PLAYED_MS, e -> e.setPlayedMs(null)));
        bad.add(bad("before 1970", DeadLetterReason.INVALID_TIMESTAMP,
                e -> e.setEventTime(Instant.ofEpochMilli(Long.MIN_VALUE / 2))));
        bad.add(bad("played for a year", DeadLetterReason.INVALID_DURATION, e -> e.setPlayedMs(365L * 86_400_000)));
        bad.add(bad("a year ahead", DeadLetterReason.FUTURE_TIMESTAMP,
                e -> e.setEventTime(Instant.ofEpochMilli(NOW + 365L * 86_400_000))));

        String in = config.topics().input();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<Integer> badIndex = new ArrayList<>();
        for (int i = 0; i < bad.size(); i++) {
            records.add(new ProducerRecord<>(in, ("key-" + i).getBytes(StandardCharsets.UTF_8), codec.encode(valid("ok-" + i, "good-" + i))));
            badIndex.add(records.size());
            // A tombstone with a user's key is a deletion request; without a key it is bad input.
            byte[] key = bad.get(i).value() == null ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
            records.add(new ProducerRecord<>(in, key, bad.get(i).value()));
        }
        List<RecordMetadata> sent = TestKafka.send(kafka, records);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        JobClient job = env.executeAsync(config.jobName());
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        SingleObjectCodec<DeadLetter> letters = SingleObjectCodec.of(DeadLetter.class);
        Map<String, DeadLetter> byOrigin = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().dlq())) {
            DeadLetter letter = letters.decode(r.value());
            byOrigin.put(letter.getSourcePartition() + "@" + letter.getSourceOffset(), letter);
            Header offsetHeader = r.headers().lastHeader(KafkaConnectors.HEADER_SOURCE_OFFSET);
            assertEquals(String.valueOf(letter.getSourceOffset()), new String(offsetHeader.value(), StandardCharsets.UTF_8));
        }
        assertEquals(bad.size(), byOrigin.size(), "one dead letter per bad record, nothing else");
        for (int i = 0; i < bad.size(); i++) {
            Bad b = bad.get(i);
            RecordMetadata where = sent.get(badIndex.get(i));
            DeadLetter letter = byOrigin.get(where.partition() + "@" + where.offset());
            assertNotNull(letter, b.what() + " is missing from the DLQ");
            assertEquals(b.reason(), letter.getReason(), b.what() + ": " + letter.getDetail());
            assertEquals(in, letter.getSourceTopic(), b.what());
            assertTrue(letter.getDetail().length() > 10, b.what() + " needs a readable detail");
            assertArrayEquals(b.value(), letter.getValue() == null ? null : TestKafka.bytes(letter.getValue()), b.what());
            assertArrayEquals(b.value() == null ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8),
                    letter.getKey() == null ? null : TestKafka.bytes(letter.getKey()), b.what());
        }

        SingleObjectCodec<UserSequence> sequences = SingleObjectCodec.of(UserSequence.class);
        Map<String, Long> goodUsers = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().output())) {
            UserSequence s = sequences.decode(r.value());
            goodUsers.merge(s.getUserId(), s.getVersion(), Math::max);
        }
        assertEquals(bad.size(), goodUsers.size(), "every valid record around the bad ones was applied");
        goodUsers.values().forEach(v -> assertEquals(1L, v));

        JobCounters counters = InProcessMetrics.counters(job.getJobID());
        assertEquals(records.size(), counters.recordsIn());
        assertEquals(bad.size(), counters.applied());
        assertEquals(bad.size(), counters.deadLettered());
        assertEquals(0, counters.unaccounted(), counters.toString());
    }

    private Bad bad(String what, DeadLetterReason reason, java.util.function.Consumer<ListenEvent> change) {
        ListenEvent e = valid("bad-" + what, "mallory");
        change.accept(e);
        return new Bad(what, reason, codec.encode(e));
    }
}
