package dev.listenseq.bench;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.ConfigException;
import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.reader.DiskStore;
import dev.listenseq.reader.MemoryStore;
import dev.listenseq.reader.ReaderConfig;
import dev.listenseq.reader.ReaderServer;
import dev.listenseq.reader.SequenceReader;
import dev.listenseq.reader.SnapshotStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code reader-bench}: measures the reader on an embedded broker filled with synthetic snapshots:
 * {@code get} latency p50/p99 from the library (memory and disk store) and over HTTP on loopback
 * (one client, sequential requests), and heap held per user. Prints figures; asserts nothing.
 */
public final class ReaderBench {

    private ReaderBench() {
    }

    public static int run(List<String> args) throws Exception {
        return run(args, System.out);
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        Map<String, Integer> opts = new HashMap<>(Map.of("users", 20_000, "items", 50, "requests", 20_000));
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i).replaceFirst("^--", "");
            if (!opts.containsKey(name) || i + 1 >= args.size()) {
                throw new ConfigException("reader-bench takes --users N, --items N and --requests N; not \"" + args.get(i) + "\"");
            }
            try {
                opts.put(name, Integer.parseInt(args.get(i + 1)));
            } catch (NumberFormatException e) {
                throw new ConfigException("--" + name + " is \"" + args.get(i + 1) + "\"; it must be an integer");
            }
        }
        int users = opts.get("users");
        int items = opts.get("items");
        int requests = opts.get("requests");
        Path work = Files.createTempDirectory("lsq-bench");
        out.printf("reader-bench: %,d users x %d items, %,d timed requests per measurement (JVM %s, %d cores, max heap %d MB)%n",
                users, items, requests, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            String topic = "bench-sequences";
            long bytes = fill(kafka.bootstrapServers(), topic, users, items);
            out.printf("topic: %,d snapshots, %,d bytes encoded (%,d bytes per snapshot)%n", users, bytes, bytes / users);
            ReaderConfig config = ReaderConfig.of(kafka.bootstrapServers(), topic);

            long before = usedHeap();
            try (SequenceReader reader = start(config, new MemoryStore())) {
                long held = usedHeap() - before;
                out.printf("memory store: %,d bytes of heap per user held (%,d users, %.1f MB)%n",
                        held / users, reader.stats().users(), held / 1e6);
                out.println(latency("library get, memory store", requests, users, u -> reader.get(u).orElseThrow()));
                try (ReaderServer server = ReaderServer.start(reader, "127.0.0.1", 0)) {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    String base = "http://127.0.0.1:" + server.port() + "/users/";
                    out.println(latency("HTTP GET /users/{id}/sequence, loopback", requests, users, u -> {
                        HttpResponse<byte[]> r = send(client, base + u + "/sequence");
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("HTTP " + r.statusCode() + " for " + u);
                        }
                        return r.body();
                    }));
                }
            }
            before = usedHeap();
            try (SequenceReader reader = start(config, DiskStore.open(work.resolve("store")))) {
                long held = usedHeap() - before;
                out.printf("disk store: %,d bytes of heap per user held; %,d bytes on disk per user%n",
                        held / users, folderSize(work.resolve("store")) / users);
                out.println(latency("library get, disk store", requests, users, u -> reader.get(u).orElseThrow()));
            }
        } finally {
            deleteTree(work);
        }
        return 0;
    }

    private static SequenceReader start(ReaderConfig config, SnapshotStore store) throws InterruptedException {
        SequenceReader reader = SequenceReader.start(config, store);
        if (!reader.awaitCaughtUp(Duration.ofMinutes(5))) {
            reader.close();
            throw new IllegalStateException("the reader did not catch up within 5 minutes");
        }
        return reader;
    }

    /** Times single calls on random users after a warm-up of the same size. */
    private static String latency(String what, int requests, int users, Function<String, Object> call) {
        SplittableRandom random = new SplittableRandom(7);
        Supplier<String> user = () -> userId(random.nextInt(users));
        for (int i = 0; i < requests; i++) {
            call.apply(user.get());
        }
        long[] nanos = new long[requests];
        for (int i = 0; i < requests; i++) {
            String u = user.get();
            long t0 = System.nanoTime();
            call.apply(u);
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        return String.format("%-42s p50 %8.1f us   p99 %8.1f us   max %8.1f us", what + ":",
                nanos[requests / 2] / 1e3, nanos[(int) (requests * 0.99)] / 1e3, nanos[requests - 1] / 1e3);
    }

    private static HttpResponse<byte[]> send(HttpClient client, String url) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static long fill(String bootstrap, String topic, int users, int items) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
            TopicAdmin.awaitServed(admin, List.of(topic));
        }
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("linger.ms", "20");
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        SplittableRandom random = new SplittableRandom(42);
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int u = 0; u < users; u++) {
                byte[] value = codec.encode(snapshot(userId(u), items, random));
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, userId(u).getBytes(StandardCharsets.UTF_8), value));
            }
        }
        return bytes;
    }

    /** A plausible snapshot: items with song and artist ids, counts and weights; 20 recent events. */
    private static UserSequence snapshot(String user, int items, SplittableRandom random) {
        long now = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
        List<SequenceItem> list = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            long last = now - i * 600_000L;
            list.add(new SequenceItem(String.format("song-%06d", random.nextInt(1_000_000)),
                    random.nextBoolean() ? String.format("artist-%05d", random.nextInt(50_000)) : null,
                    Instant.ofEpochMilli(last - random.nextLong(86_400_000L)), Instant.ofEpochMilli(last),
                    ListenType.PLAY, 1 + random.nextInt(20), random.nextInt(3), random.nextInt(10) == 0,
                    random.nextInt(20) == 0, random.nextLong(3_600_000L), random.nextDouble() * 10));
        }
        List<RecentEvent> recent = new ArrayList<>();
        for (int i = 0; i < Math.min(20, items); i++) {
            recent.add(new RecentEvent(list.get(i).getSongId(), ListenType.PLAY, list.get(i).getLastTime(),
                    random.nextDouble()));
        }
        return new UserSequence(user, 100L + random.nextInt(1000), Instant.ofEpochMilli(now), Instant.ofEpochMilli(now),
                list, recent, 0L);
    }

    private static String userId(int u) {
        return String.format("user-%07d", u);
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long folderSize(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
