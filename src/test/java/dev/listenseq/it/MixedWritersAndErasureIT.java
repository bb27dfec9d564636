package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.PlaySource;
import dev.listenseq.avro.Platform;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.kafka.TopicAdmin;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One input topic with ListenEvent v1 and v2 writers interleaved, and a deletion request, through the
 * real job on a MiniCluster and the in-process broker: no dead letters, the same sequence for the
 * same events whichever version wrote them, and the erased user's tombstone followed by a fresh
 * sequence at version 1 while the other users are untouched.
 */
class MixedWritersAndErasureIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final long T0 = Instant.now().minusSeconds(3600).toEpochMilli();

    private final SingleObjectCodec<ListenEvent> v2 = SingleObjectCodec.of(ListenEvent.class);

    @Test
    void mixedWritersGiveIdenticalSequencesAndATombstoneErasesOneUser() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "mix", Map.of("flink.restart-strategy.type", "disable"));
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        Schema v1 = new Schema.Parser().parse(Path.of("schemas/ListenEvent-v1.avsc").toFile());
        String in = config.topics().input();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            // v1user: all v1; v2user: the same events all v2; mixed: alternating writers; gone: erased halfway.
            records.add(record(in, "v1user", v1Encode(v1, event(i, "v1user"))));
            records.add(record(in, "v2user", v2.encode(event(i, "v2user"))));
            records.add(record(in, "mixed", i % 2 == 0 ? v1Encode(v1, event(i, "mixed")) : v2.encode(event(i, "mixed"))));
            ListenEvent withSource = event(i, "gone");
            withSource.setPlaySource(PlaySource.values()[i % PlaySource.values().length]);
            withSource.setPlatform(Platform.ANDROID);
            records.add(record(in, "gone", v2.encode(withSource)));
        }
        records.add(record(in, "gone", null));
        records.add(record(in, "gone", v1Encode(v1, event(0, "gone"))));
        TestKafka.send(kafka, records);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        JobClient job = env.executeAsync(config.jobName());
        job.getJobExecutionResult().get(5, TimeUnit.MINUTES);

        assertEquals(List.of(), TestKafka.readAll(kafka, config.topics().dlq()), "no dead letters");
        SingleObjectCodec<UserSequence> sequences = SingleObjectCodec.of(UserSequence.class);
        Map<String, List<UserSequence>> byUser = new HashMap<>();
        List<String> goneRecords = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, config.topics().output())) {
            String user = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                goneRecords.add("tombstone");
                assertEquals("gone", user, "only the erased user gets a tombstone");
                continue;
            }
            UserSequence s = sequences.decode(r.value());
            byUser.computeIfAbsent(user, u -> new ArrayList<>()).add(s);
            if (user.equals("gone")) {
                goneRecords.add("v" + s.getVersion());
            }
        }
        for (String user : List.of("v1user", "v2user", "mixed")) {
            assertEquals(12, last(byUser.get(user)).getVersion(), user);
        }
        UserSequence reference = last(byUser.get("v1user"));
        for (String user : List.of("v2user", "mixed")) {
            UserSequence s = last(byUser.get(user));
            assertEquals(reference.getItems(), s.getItems(), user + ": same events, same sequence");
            assertEquals(reference.getRecent(), s.getRecent(), user);
            assertEquals(reference.getAsOf(), s.getAsOf(), user);
        }
        List<String> expectedGone = new ArrayList<>();
        for (int v = 1; v <= 12; v++) {
            expectedGone.add("v" + v);
        }
        expectedGone.add("tombstone");
        expectedGone.add("v1");
        assertEquals(expectedGone, goneRecords, "gone: its snapshots, the tombstone, then a fresh sequence");
        UserSequence fresh = last(byUser.get("gone"));
        assertEquals(1, fresh.getItems().size(), "nothing from before the erasure");
        assertNull(fresh.getItems().get(0).getArtistId());

        JobCounters counters = InProcessMetrics.counters(job.getJobID());
        assertEquals(records.size(), counters.recordsIn());
        assertEquals(1, counters.erasures());
        assertEquals(records.size() - 1, counters.applied());
        assertEquals(0, counters.unaccounted(), counters.toString());
        assertTrue(counters.deadLetteredByReason().isEmpty(), counters.toString());
    }

    private static UserSequence last(List<UserSequence> snapshots) {
        return snapshots.get(snapshots.size() - 1);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** Event i of a fixed script; the same for every user but the user_id. */
    private static ListenEvent event(int i, String user) {
        ListenType type = i % 5 == 3 ? ListenType.SKIP : i % 7 == 6 ? ListenType.LIKE : ListenType.PLAY;
        boolean timed = type != ListenType.LIKE;
        return ListenEvent.newBuilder().setEventId("e" + i).setUserId(user).setSongId("s" + (i % 4))
                .setArtistId(i == 0 ? null : "a" + (i % 4)).setType(type).setEventTime(Instant.ofEpochMilli(T0 + i * 60_000L))
                .setPlayedMs(timed ? 30_000L + i * 10_000L : null).setDurationMs(timed ? 200_000L : null)
                .setContext("radio").build();
    }

    /** The event as a producer still on ListenEvent v1 writes it. */
    private static byte[] v1Encode(Schema v1, ListenEvent event) throws Exception {
        GenericData.Record record = new GenericData.Record(v1);
        for (Schema.Field field : v1.getFields()) {
            Object value = event.get(field.name());
            if (value instanceof ListenType type) {
                value = new GenericData.EnumSymbol(field.schema(), type.name());
            } else if (value instanceof Instant time) {
                value = time.toEpochMilli();
            }
            record.put(field.name(), value);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long fingerprint = SchemaNormalization.parsingFingerprint64(v1);
        out.write(new byte[] {(byte) 0xC3, 0x01});
        for (int b = 0; b < 8; b++) {
            out.write((int) (fingerprint >>> (8 * b)) & 0xFF);
        }
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v1).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
