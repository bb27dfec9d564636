package dev.listenseq.it;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.reader.ReaderConfig;
import dev.listenseq.reader.SequenceReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash an operator meets most: the {@code stream} process is killed with SIGKILL (OOM killer,
 * host reboot, {@code kill -9}) and a supervisor starts the same command line again. The restarted
 * job must resume from the newest retained checkpoint by itself, and the committed output must be
 * exactly that of a run without the kill. Without retained state it must refuse to start, and
 * start empty only when told to, in a new, higher generation that readers follow.
 */
class CrashResumeIT extends BrokerTest {

    private final SingleObjectCodec<UserSequence> snapshots = SingleObjectCodec.of(UserSequence.class);

    /** Per user, the events produced, in order (the generator is clean: each one is applied). */
    private final Map<String, List<ListenEvent>> produced = new LinkedHashMap<>();

    private static List<String> args(String name, Path dir) {
        return List.of(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--job.name", name,
                "--topics.input", name + "-in",
                "--topics.output", name + "-out",
                "--topics.dlq", name + "-dlq",
                "--topics.late", name + "-late",
                "--topics.partitions", "3",
                "--parallelism", "2",
                "--checkpoint.interval", "500ms",
                "--delivery.transaction-timeout", "60s",
                "--emit.min-interval", "0ms",
                "--checkpoint.dir", dir.resolve("cp").toUri().toString(),
                "--savepoint.dir", dir.resolve("sp").toUri().toString(),
                "--state.local-dir", dir.resolve("rocks").toString());
    }

    @Test
    void sigkillAndTheSameCommandAgainGiveExactlyTheOutputOfARunWithoutTheKill() throws Exception {
        String name = "crash";
        Path dir = Files.createTempDirectory("lsq-crash");
        List<String> args = args(name, dir);
        JobConfig config = JobConfig.from(Settings.load("streaming", args));
        ListeningGenerator generator = generator();

        StreamProcess first = new StreamProcess(args);
        produce(generator, name, 150);
        awaitCompletedCheckpoint(first, dir.resolve("cp").resolve(name));
        awaitCommitted(first, name, 1);
        // More input right before the kill, so the job dies in the middle of work: some of it applied
        // in state, some written in a transaction that is never committed.
        produce(generator, name, 150);
        Thread.sleep(300);
        first.kill();

        produce(generator, name, 200);
        StreamProcess second = new StreamProcess(args);
        awaitCommitted(second, name, 500);
        assertTrue(second.output.toString().contains("Resuming from the newest retained checkpoint of job " + name),
                "the restart says what it resumes from:\n" + second.output);
        second.terminate();

        Map<String, List<UserSequence>> output = committedOutput(name);
        assertEquals(produced.keySet(), output.keySet(), "every user has output");
        Set<Long> generations = new TreeSet<>();
        for (Map.Entry<String, List<ListenEvent>> e : produced.entrySet()) {
            String user = e.getKey();
            List<ListenEvent> events = e.getValue();
            List<UserSequence> got = output.get(user);
            assertEquals(events.size(), got.size(),
                    user + ": one committed snapshot per event, none lost and none repeated: " + versions(got));
            for (int i = 0; i < got.size(); i++) {
                UserSequence s = got.get(i);
                assertEquals(i + 1, s.getVersion(), user + ": versions strictly increasing and gap-free: " + versions(got));
                // A run without the kill would have emitted exactly this after the first i + 1 events.
                UserSequence expected = Replay.of(config, user, events.subList(0, i + 1));
                Replay.assertSameItems(expected, s);
                assertEquals(expected.getAsOf(), s.getAsOf(), user + " v" + s.getVersion());
                assertEquals(expected.getRecent(), s.getRecent(), user + " v" + s.getVersion());
                generations.add(s.getGeneration());
            }
        }
        assertEquals(1, generations.size(), "a resume keeps the generation: " + generations);
        assertTrue(generations.iterator().next() > 0, "a fresh start takes the wall clock: " + generations);
    }

    @Test
    void withoutItsStateARunJobRefusesToStartAndStartsEmptyOnlyWhenToldInAHigherGeneration() throws Exception {
        String name = "lost";
        Path dir = Files.createTempDirectory("lsq-lost");
        List<String> args = args(name, dir);
        ListeningGenerator generator = generator();

        StreamProcess first = new StreamProcess(args);
        produce(generator, name, 100);
        awaitCommitted(first, name, 100);
        first.kill();
        long oldGeneration = committedOutput(name).values().iterator().next().get(0).getGeneration();
        deleteRecursively(dir.resolve("cp"));

        StreamProcess refused = new StreamProcess(args);
        assertEquals(1, refused.awaitExit(), "refuses to start:\n" + refused.output);
        String out = refused.output.toString();
        assertTrue(out.contains("error: job " + name + " has run before ("), out);
        assertTrue(out.contains("Either resume from a known checkpoint or savepoint with --state.restore-from PATH"), out);
        assertTrue(out.contains("or start empty on purpose with --state.start-empty true"), out);

        // Only new events, so that the new lineage's versions stay below the old ones for most users.
        List<String> startEmpty = new ArrayList<>(args);
        startEmpty.addAll(List.of("--state.start-empty", "true", "--source.starting-offsets", "latest"));
        StreamProcess empty = new StreamProcess(startEmpty);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (committedOutput(name).values().stream().flatMap(List::stream)
                .filter(s -> s.getGeneration() != oldGeneration).count() < 20) {
            // Events sent before the source has looked up the latest offsets are not read; send until enough are.
            assertTrue(empty.process.isAlive(), "stream exited:\n" + empty.output);
            assertTrue(System.nanoTime() < deadline, "no output of the new generation:\n" + empty.output);
            produce(generator, name, 20);
            Thread.sleep(2_000);
        }
        assertTrue(empty.output.toString().contains("Starting without state although job " + name + " has run before"),
                empty.output.toString());
        empty.terminate();

        Map<String, List<UserSequence>> output = committedOutput(name);
        ReaderConfig readerConfig = ReaderConfig.of(kafka.bootstrapServers(), name + "-out");
        try (SequenceReader reader = SequenceReader.start(readerConfig)) {
            assertTrue(reader.awaitCaughtUp(Duration.ofMinutes(2)));
            int usersBehindInVersion = 0;
            for (List<UserSequence> got : output.values()) {
                List<UserSequence> newer = got.stream().filter(s -> s.getGeneration() != oldGeneration).toList();
                if (newer.isEmpty()) {
                    continue;
                }
                UserSequence last = newer.get(newer.size() - 1);
                assertTrue(last.getGeneration() > oldGeneration, "a start without state begins a higher generation");
                for (int i = 0; i < newer.size(); i++) {
                    assertEquals(i + 1, newer.get(i).getVersion(), "the new lineage starts at version 1");
                }
                if (newer.size() == got.size()) {
                    continue;
                }
                UserSequence lastOfOldLineage = got.get(got.size() - newer.size() - 1);
                assertEquals(oldGeneration, lastOfOldLineage.getGeneration(), "the old lineage comes first");
                if (lastOfOldLineage.getVersion() > last.getVersion()) {
                    // Here a reader comparing versions alone would keep the old snapshot for good.
                    usersBehindInVersion++;
                }
                UserSequence held = reader.get(last.getUserId()).orElseThrow();
                assertEquals(last.getGeneration(), held.getGeneration(), last.getUserId() + ": readers follow the new lineage");
                assertEquals(last.getVersion(), held.getVersion(), last.getUserId());
            }
            assertTrue(usersBehindInVersion > 0, "some users' new versions are below their old ones");
        }
    }

    private static ListeningGenerator generator() {
        AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 86_400_000);
        return new ListeningGenerator(ListeningGenerator.Params.clean(20, 200, 7), () -> clock.addAndGet(20_000));
    }

    private void produce(ListeningGenerator generator, String name, int n) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ListeningGenerator.Generated g = generator.next();
            records.add(new ProducerRecord<>(name + "-in", ListeningGenerator.keyBytes(g.key()), g.value()));
            produced.computeIfAbsent(g.key(), k -> new ArrayList<>()).add(g.event());
        }
        TestKafka.send(kafka, records);
    }

    /** Waits until the job has completed a checkpoint: a chk-N folder with its _metadata. */
    private static void awaitCompletedCheckpoint(StreamProcess stream, Path jobCheckpoints) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            assertTrue(stream.process.isAlive(), "stream exited:\n" + stream.output);
            assertTrue(System.nanoTime() < deadline, "no checkpoint completed:\n" + stream.output);
            if (Files.isDirectory(jobCheckpoints)) {
                try (Stream<Path> walk = Files.walk(jobCheckpoints)) {
                    if (walk.anyMatch(p -> p.getFileName().toString().equals("_metadata")
                            && p.getParent().getFileName().toString().startsWith("chk-"))) {
                        return;
                    }
                }
            }
            Thread.sleep(200);
        }
    }

    private static void awaitCommitted(StreamProcess stream, String name, int atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (TestKafka.readAll(kafka, name + "-out").size() < atLeast) {
            assertTrue(stream.process.isAlive(), "stream exited:\n" + stream.output);
            assertTrue(System.nanoTime() < deadline, "output incomplete:\n" + stream.output);
            Thread.sleep(500);
        }
    }

    /** Per user, the committed snapshots in offset order (a user's snapshots share one partition). */
    private Map<String, List<UserSequence>> committedOutput(String name) throws Exception {
        Map<String, List<UserSequence>> byUser = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(kafka, name + "-out")) {
            UserSequence s = snapshots.decode(r.value());
            byUser.computeIfAbsent(s.getUserId(), u -> new ArrayList<>()).add(s);
        }
        return byUser;
    }

    private static List<Long> versions(List<UserSequence> got) {
        return got.stream().map(UserSequence::getVersion).toList();
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertFalse(Files.exists(dir));
    }
}
