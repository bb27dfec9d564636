package dev.listenseq.it;

import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.embedded.ListeningGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code stream} command as a user runs it, in its own JVM: it creates missing topics, a
 * SIGTERM stops it with a savepoint and exit code 0, and a restart from that savepoint continues
 * every user's versions where they stopped.
 */
class StreamCommandIT extends BrokerTest {

    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint: (\\S+)\\.");

    /** SIGTERM, then the savepoint path the command reported; it must exit cleanly. */
    private static String stopWithSavepoint(StreamProcess stream) throws Exception {
        assertEquals(0, stream.terminate(), "stream must exit cleanly on SIGTERM:\n" + stream.output);
        Matcher m = SAVEPOINT.matcher(stream.output);
        assertTrue(m.find(), "no savepoint reported:\n" + stream.output);
        return m.group(1);
    }

    @Test
    void sigtermStopsWithASavepointAndARestartFromItContinuesTheVersions() throws Exception {
        Path dir = Files.createTempDirectory("lsq-stream");
        List<String> args = List.of(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--job.name", "stream-it",
                "--parallelism", "2",
                "--checkpoint.interval", "500ms",
                "--delivery.transaction-timeout", "60s",
                "--emit.min-interval", "0ms",
                "--source.starting-offsets", "earliest",
                "--topics.partitions", "3",
                "--checkpoint.dir", dir.resolve("cp").toUri().toString(),
                "--savepoint.dir", dir.resolve("sp").toUri().toString(),
                "--state.local-dir", dir.resolve("rocks").toString());

        StreamProcess first = new StreamProcess(args);
        waitForTopics(first, "listen-events", "user-sequences", "listen-events-dlq", "listen-events-late");
        AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 86_400_000);
        ListeningGenerator generator = new ListeningGenerator(
                ListeningGenerator.Params.clean(20, 200, 3), () -> clock.addAndGet(20_000));
        Map<String, Long> expected = new HashMap<>();
        produce(generator, 300, expected);
        awaitOutput(first, expected);
        String savepoint = stopWithSavepoint(first);

        produce(generator, 200, expected);
        StreamProcess second = new StreamProcess(concat(args, "--state.restore-from", savepoint));
        awaitOutput(second, expected);
        stopWithSavepoint(second);

        Map<String, List<Long>> versions = versionsByUser();
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            List<Long> got = versions.get(e.getKey());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i + 1, got.get(i), e.getKey() + " versions across the restart: " + got);
            }
            assertEquals(e.getValue(), (long) got.size(), e.getKey());
        }
    }

    private static List<String> concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    private static void produce(ListeningGenerator generator, int n, Map<String, Long> expected) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ListeningGenerator.Generated g = generator.next();
            records.add(new ProducerRecord<>("listen-events", ListeningGenerator.keyBytes(g.key()), g.value()));
            expected.merge(g.key(), 1L, Long::sum);
        }
        TestKafka.send(kafka, records);
    }

    private static void waitForTopics(StreamProcess stream, String... topics) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!admin.listTopics().names().get().containsAll(List.of(topics))) {
                assertTrue(stream.process.isAlive(), "stream exited:\n" + stream.output);
                assertTrue(System.nanoTime() < deadline, "topics were not created:\n" + stream.output);
                Thread.sleep(200);
            }
        }
    }

    private static void awaitOutput(StreamProcess stream, Map<String, Long> expected) throws Exception {
        long total = expected.values().stream().mapToLong(Long::longValue).sum();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (TestKafka.readAll(kafka, "user-sequences").size() < total) {
            assertTrue(stream.process.isAlive(), "stream exited:\n" + stream.output);
            assertTrue(System.nanoTime() < deadline, "output incomplete:\n" + stream.output);
            Thread.sleep(500);
        }
    }

    private static Map<String, List<Long>> versionsByUser() throws Exception {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        Map<String, List<Long>> versions = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, "user-sequences")) {
            UserSequence s = codec.decode(r.value());
            versions.computeIfAbsent(s.getUserId(), u -> new ArrayList<>()).add(s.getVersion());
        }
        return versions;
    }
}
