package dev.listenseq.reader;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.config.ConfigException;
import dev.listenseq.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The serving endpoint's limits over real HTTP on loopback: where it listens, the bearer token,
 * the bounded queue, slow clients, bad paths and the response size limit. The snapshots come from an
 * in-memory map standing in for the reader's store; the reader over Kafka is covered by ReaderIT.
 */
class ReaderServerTest {

    private static final Instant T = Instant.parse("2026-11-01T10:00:00Z");
    /** Every server in this JVM shares the JDK's request/response time limit, set by the first one. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    private final Snapshots snapshots = new Snapshots();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(WAIT).build();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        snapshots.release.countDown();
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** Snapshots by user; a lookup of "blocked" waits until the test releases it. */
    private static final class Snapshots implements ReaderServer.Lookups {
        final Map<String, UserSequence> byUser = new ConcurrentHashMap<>();
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Optional<UserSequence> get(String user) {
            if (user.equals("blocked")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Optional.ofNullable(byUser.get(user));
        }

        @Override
        public boolean isRunning() {
            return true;
        }

        @Override
        public boolean isCaughtUp() {
            return true;
        }

        @Override
        public ReaderStats stats() {
            return new ReaderStats(byUser.size(), byUser.size(), 0, 0, byUser.size(), true, null, true, null, 0, 0);
        }
    }

    private static UserSequence snapshot(String user, int items) {
        List<SequenceItem> list = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            list.add(SequenceItem.newBuilder().setSongId("song-" + i).setArtistId(null).setFirstTime(T).setLastTime(T)
                    .setLastType(ListenType.PLAY).setPlays(1).setSkips(0).setLiked(false).setCollected(false)
                    .setListenedMs(180_000L).setWeight(1.0).build());
        }
        return UserSequence.newBuilder().setUserId(user).setVersion(1L).setAsOf(T).setEmittedAt(T)
                .setItems(list).setRecent(List.of()).build();
    }

    private ReaderServer start(Map<String, String> settings) {
        Map<String, String> values = new java.util.HashMap<>(settings);
        values.putIfAbsent("reader.http-port", "0");
        values.putIfAbsent("reader.http-timeout", TIMEOUT.toSeconds() + "s");
        ReaderServer server = ReaderServer.start(snapshots, ReaderServer.Options.from(Settings.of(values)));
        open.add(server);
        return server;
    }

    private HttpResponse<String> get(ReaderServer server, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(WAIT).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a request line as written, bytes and all, and returns the whole response. */
    private static String raw(ReaderServer server, String requestLine) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + "\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void listensOnLoopbackUnlessTheBindKeySaysOtherwise() {
        ReaderServer byDefault = start(Map.of());
        assertTrue(byDefault.address().getAddress().isLoopbackAddress(), byDefault.address().toString());

        ReaderServer everywhere = start(Map.of("reader.http-bind", "0.0.0.0"));
        assertTrue(everywhere.address().getAddress().isAnyLocalAddress(), everywhere.address().toString());
    }

    @Test
    void aTokenIsAskedForOnLookupsButNotOnHealthAndReadiness() throws Exception {
        snapshots.byUser.put("alice", snapshot("alice", 1));
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "s3cret-token\n");
        ReaderServer server = start(Map.of("reader.http-token", "${file:" + tokenFile + "}"));

        HttpResponse<String> missing = get(server, "/users/alice/sequence", null);
        assertEquals(401, missing.statusCode());
        assertEquals("Bearer", missing.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals("{\"error\":\"missing or wrong token; send the header Authorization: Bearer <token>\"}", missing.body());
        assertEquals(401, get(server, "/users/alice/sequence", "Bearer wrong").statusCode());
        assertEquals(401, get(server, "/users/alice/sequence", "Bearer s3cret-token-and-more").statusCode());
        assertEquals(401, get(server, "/users/alice/sequence", "Basic s3cret-token").statusCode());
        assertEquals(401, get(server, "/users/nobody/sequence", null).statusCode(), "no lookup without the token");

        HttpResponse<String> right = get(server, "/users/alice/sequence", "Bearer s3cret-token");
        assertEquals(200, right.statusCode());
        assertEquals(SnapshotJson.line(snapshots.byUser.get("alice")), right.body());
        assertEquals(200, get(server, "/users/alice/sequence", "bearer s3cret-token").statusCode());
        assertEquals(200, get(server, "/health", null).statusCode());
        assertEquals(200, get(server, "/ready", null).statusCode());
    }

    @Test
    void aTokenGivenLiterallyIsRefusedWithoutEchoingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Settings.of(Map.of("reader.http-token", "s3cret-token")));
        assertTrue(e.getMessage().contains("reader.http-token is \"(hidden)\"; it must be ${env:NAME} or ${file:PATH}"),
                e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void requestsBeyondTheQueueGet503AtOnce() throws Exception {
        ReaderServer server = start(Map.of("reader.http-threads", "1", "reader.http-queue", "1"));
        CompletableFuture<HttpResponse<String>> running = client.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/users/blocked/sequence")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        waitFor(() -> server.busyWorkers() == 1, "the only worker to be busy");
        CompletableFuture<HttpResponse<String>> queued = client.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        waitFor(() -> server.queuedRequests() == 1, "the second request to wait in the queue");

        HttpResponse<String> refused = get(server, "/health", null);
        assertEquals(503, refused.statusCode());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertEquals("{\"error\":\"too many requests at once: 1 running and 1 waiting (reader.http-threads,"
                + " reader.http-queue); retry shortly\"}", refused.body());
        assertFalse(running.isDone());

        snapshots.release.countDown();
        assertEquals(404, running.get().statusCode());
        assertEquals(200, queued.get().statusCode());
        assertEquals(200, get(server, "/health", null).statusCode(), "served again once the queue drains");
    }

    @Test
    void aClientThatNeverFinishesItsRequestIsDisconnected() throws Exception {
        ReaderServer server = start(Map.of());
        try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            slow.setSoTimeout((int) WAIT.toMillis());
            slow.getOutputStream().write("GET /users/alice/seq".getBytes(StandardCharsets.ISO_8859_1));
            slow.getOutputStream().flush();
            InputStream in = slow.getInputStream();
            int read;
            try {
                read = in.read();
            } catch (SocketException reset) {
                read = -1;
            }
            assertEquals(-1, read, "the server closes the connection instead of waiting for the rest");
        }
        assertEquals(200, get(server, "/health", null).statusCode());
    }

    @Test
    void badPathsAndEscapesGet400WithAPlainMessage() throws Exception {
        snapshots.byUser.put("a/b+c €", snapshot("a/b+c €", 1));
        ReaderServer server = start(Map.of());

        assertEquals(200, get(server, "/users/a%2Fb+c%20%E2%82%AC/sequence", null).statusCode());
        HttpResponse<String> notUtf8 = get(server, "/users/%C3%28/sequence", null);
        assertEquals(400, notUtf8.statusCode());
        assertEquals("{\"error\":\"bad user id in the path: its %-escapes are not valid UTF-8; write the id as UTF-8"
                + " with %XX escapes for reserved characters\"}", notUtf8.body());
        HttpResponse<String> empty = get(server, "/users//sequence", null);
        assertEquals(400, empty.statusCode());
        assertTrue(empty.body().contains("the user id in the path is empty"), empty.body());

        // A broken escape never reaches the handler: the JDK server refuses the request line itself, with
        // its own page naming the exception (docs/security.md quotes it as a known limit; keep them in step).
        String broken = raw(server, "GET /users/%zz/sequence HTTP/1.1");
        assertTrue(broken.startsWith("HTTP/1.1 400"), broken);
        assertTrue(broken.endsWith("\r\n\r\n<h1>400 Bad Request</h1>URISyntaxException thrown"), broken);
        assertEquals(404, get(server, "/nowhere", null).statusCode());
    }

    @Test
    void decodingIsStrict() {
        assertEquals("a/b+c €", ReaderServer.decode("a%2Fb+c%20%E2%82%AC"));
        assertEquals("the % at character 2 is not followed by two hex digits",
                assertThrows(IllegalArgumentException.class, () -> ReaderServer.decode("a%zz")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReaderServer.decode("a%4"));
        assertThrows(IllegalArgumentException.class, () -> ReaderServer.decode("%FF"));
    }

    @Test
    void aResponseOverTheSizeLimitIsRefusedWithTheKeyToRaise() throws Exception {
        snapshots.byUser.put("small", snapshot("small", 1));
        snapshots.byUser.put("big", snapshot("big", 50));
        ReaderServer server = start(Map.of("reader.http-max-response", "2k"));

        assertEquals(200, get(server, "/users/small/sequence", null).statusCode());
        HttpResponse<String> big = get(server, "/users/big/sequence", null);
        assertEquals(500, big.statusCode());
        int size = SnapshotJson.line(snapshots.byUser.get("big")).getBytes(StandardCharsets.UTF_8).length;
        assertTrue(size > 2048, "the test snapshot must really be over the limit: " + size);
        assertEquals("{\"error\":\"the snapshot is " + size + " bytes as JSON, over the limit of 2048"
                + " (reader.http-max-response); raise the limit or lower sequence.max-items\",\"user_id\":\"big\"}", big.body());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
