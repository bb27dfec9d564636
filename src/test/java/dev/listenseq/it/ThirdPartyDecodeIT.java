package dev.listenseq.it;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.kafka.TopicAdmin;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.listenseq.avro.DeadLetterReason.EMPTY_VALUE;
import static dev.listenseq.avro.DeadLetterReason.UNDECODABLE;
import static dev.listenseq.avro.DeadLetterReason.UNKNOWN_SCHEMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that knows nothing of this project but the .avsc files in schemas/ decodes every
 * topic with a plain Avro library: Avro's own single-object decoder and generic records.
 */
class ThirdPartyDecodeIT extends BrokerTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();


    /**
     * What a client holding the .avsc files does: read with the newest version of the record and
     * resolve every released version by its fingerprint.
     */
    private static BinaryMessageDecoder<GenericRecord> plainDecoder(String name) throws Exception {
        List<Schema> versions = new ArrayList<>();
        for (int v = 1; new File("schemas", name + "-v" + v + ".avsc").isFile(); v++) {
            versions.add(new Schema.Parser().parse(new File("schemas", name + "-v" + v + ".avsc")));
        }
        BinaryMessageDecoder<GenericRecord> decoder =
                new BinaryMessageDecoder<>(GenericData.get(), versions.get(versions.size() - 1));
        versions.forEach(decoder::addSchema);
        return decoder;
    }

    @Test
    void theSchemaFilesAloneDecodeTheInputOutputAndDeadLetterTopics() throws Exception {
        JobConfig config = TestKafka.jobConfig(kafka, "plain", Map.of());
        TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
        AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 86_400_000);
        ListeningGenerator generator = new ListeningGenerator(
                new ListeningGenerator.Params(40, 300, 9, 0.02, 0.05, 0.08), () -> clock.addAndGet(10_000));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<ListeningGenerator.Generated> generated = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            ListeningGenerator.Generated g = generator.next();
            generated.add(g);
            records.add(new ProducerRecord<>(config.topics().input(), ListeningGenerator.keyBytes(g.key()), g.value()));
        }
        TestKafka.send(kafka, records);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
        KafkaJob.live(env, config, true);
        env.executeAsync(config.jobName()).getJobExecutionResult().get(3, TimeUnit.MINUTES);

        BinaryMessageDecoder<GenericRecord> events = plainDecoder("ListenEvent");
        Set<DeadLetterReason> notAvro = EnumSet.of(UNDECODABLE, UNKNOWN_SCHEMA, EMPTY_VALUE);
        int decodedInput = 0;
        for (ListeningGenerator.Generated g : generated) {
            if (g.kind() == ListeningGenerator.Kind.MALFORMED && notAvro.contains(g.expectedReason())) {
                continue;
            }
            GenericRecord e = events.decode(g.value());
            assertEquals(g.key(), e.get("user_id").toString());
            decodedInput++;
        }
        assertTrue(decodedInput > 500, "most input is valid Avro: " + decodedInput);

        BinaryMessageDecoder<GenericRecord> sequences = plainDecoder("UserSequence");
        SingleObjectCodec<UserSequence> ours = SingleObjectCodec.of(UserSequence.class);
        List<ConsumerRecord<byte[], byte[]>> output = TestKafka.readAll(kafka, config.topics().output());
        assertTrue(output.size() > 100, "the job wrote snapshots: " + output.size());
        for (ConsumerRecord<byte[], byte[]> r : output) {
            GenericRecord plain = sequences.decode(r.value());
            UserSequence expected = ours.decode(r.value());
            assertEquals(new String(r.key(), StandardCharsets.UTF_8), plain.get("user_id").toString());
            assertEquals(expected.getVersion(), plain.get("version"));
            assertEquals(expected.getAsOf().toEpochMilli(), plain.get("as_of"));
            List<?> items = (List<?>) plain.get("items");
            assertEquals(expected.getItems().size(), items.size());
            GenericRecord first = (GenericRecord) items.get(0);
            assertEquals(expected.getItems().get(0).getSongId(), first.get("song_id").toString());
            assertEquals(expected.getItems().get(0).getWeight(), first.get("weight"));
            assertEquals(expected.getItems().get(0).getLastType().name(), first.get("last_type").toString());
        }

        BinaryMessageDecoder<GenericRecord> letters = plainDecoder("DeadLetter");
        List<ConsumerRecord<byte[], byte[]>> dlq = TestKafka.readAll(kafka, config.topics().dlq());
        long malformed = generated.stream().filter(g -> g.kind() == ListeningGenerator.Kind.MALFORMED).count();
        assertEquals(malformed, dlq.size());
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            GenericRecord letter = letters.decode(r.value());
            assertEquals(config.topics().input(), letter.get("source_topic").toString());
            assertTrue(letter.get("detail").toString().length() > 10);
        }
    }
}
