package dev.listenseq.reader;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP lookup endpoint for online serving, on the JDK's built-in server:
 * <ul>
 *   <li>{@code GET /users/{id}/sequence}: 200 and the latest snapshot as JSON; 404 for a user
 *       never seen (503 instead while the reader has not caught up, when "unknown" may be "not yet read");</li>
 *   <li>{@code GET /health}: 200 while the reader runs, with its counters;</li>
 *   <li>{@code GET /ready}: 200 while the reader is caught up and current ({@link SequenceReader#isReady}),
 *       503 with the reason before it has caught up, and whenever it has lost the broker or fallen
 *       behind beyond the reader.ready.* bounds.</li>
 * </ul>
 *
 * <p>Limits, so that neither a careless nor a hostile client can take it down: it listens where
 * {@link Options#host} says (loopback by default); with a token, {@code /users/*} answers 401 without
 * {@code Authorization: Bearer <token>}; at most {@link Options#threads} requests run and
 * {@link Options#queue} wait, and the ones beyond get 503 at once; a client that takes longer than
 * {@link Options#timeout} to send its request or read the answer is disconnected; no body is larger
 * than {@link Options#maxResponseBytes}. Every error is a JSON object with a plain-language
 * {@code error}; exception names and stack traces go to the server's log only. The one exception is
 * not ours: a request target that is not a URI at all is refused by the JDK's server before any
 * handler runs, with its own HTML 400 page naming {@code URISyntaxException} (a known limit,
 * docs/security.md).
 */
public final class ReaderServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReaderServer.class);
    private static final String USERS = "/users/";
    private static final String SEQUENCE = "/sequence";
    private static final String NODELAY = "sun.net.httpserver.nodelay";
    private static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";
    private static final String MAX_RESPONSE_TIME = "sun.net.httpserver.maxRspTime";
    /** Requests refused for a full queue wait here only to be answered 503; beyond it the connection is closed. */
    private static final int OVERFLOW_BACKLOG = 64;
    /** Longer ids cannot be ids the job accepted (ids.max-length allows up to 100,000). */
    private static final int MAX_PATH_CHARS = 400_000;

    /** What the endpoint serves: a {@link SequenceReader}. */
    public interface Lookups {
        Optional<UserSequence> get(String user);

        boolean isRunning();

        boolean isCaughtUp();

        ReaderStats stats();
    }

    /**
     * How the endpoint listens and what it allows.
     *
     * @param host             address to bind (loopback unless told otherwise)
     * @param port             port; 0 picks a free one
     * @param token            bearer token required on /users/*; null or empty for none
     * @param threads          requests answered at once
     * @param queue            requests waiting for a thread before 503s
     * @param timeout          longest a client may take to send a request, or to read the response
     * @param maxResponseBytes largest body sent
     */
    public record Options(String host, int port, String token, int threads, int queue, Duration timeout,
                          long maxResponseBytes) {

        /** Loopback on the given port, no token, the default limits. */
        public static Options loopback(int port) {
            return new Options("127.0.0.1", port, null, 8, 256, Duration.ofSeconds(10), 4L << 20);
        }

        /** From the reader.http-* keys. */
        public static Options from(Settings settings) {
            return new Options(settings.get(ConfigKeys.READER_HTTP_BIND), settings.get(ConfigKeys.READER_HTTP_PORT),
                    settings.get(ConfigKeys.READER_HTTP_TOKEN), settings.get(ConfigKeys.READER_HTTP_THREADS),
                    settings.get(ConfigKeys.READER_HTTP_QUEUE), settings.get(ConfigKeys.READER_HTTP_TIMEOUT),
                    settings.get(ConfigKeys.READER_HTTP_MAX_RESPONSE));
        }

        @Override
        public String toString() {
            // Never the token itself.
            return "Options[host=" + host + ", port=" + port + ", token=" + (requiresToken() ? "set" : "none")
                    + ", threads=" + threads + ", queue=" + queue + ", timeout=" + timeout
                    + ", maxResponseBytes=" + maxResponseBytes + "]";
        }

        public boolean requiresToken() {
            return token != null && !token.isEmpty();
        }
    }

    /** Marks the thread that only answers 503 to requests refused for a full queue. */
    private static final ThreadLocal<Boolean> OVERFLOW = ThreadLocal.withInitial(() -> false);

    private final Lookups reader;
    private final Options options;
    private final byte[] tokenDigest;
    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor overflow;

    private ReaderServer(Lookups reader, Options options, HttpServer server) {
        this.reader = reader;
        this.options = options;
        this.tokenDigest = options.requiresToken() ? sha256(options.token()) : null;
        this.server = server;
        this.workers = new ThreadPoolExecutor(options.threads(), options.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(options.queue()), daemon("reader-http"));
        this.overflow = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(OVERFLOW_BACKLOG), daemon("reader-http-overflow"));
    }

    /** Starts serving the reader on loopback host:port with the default limits (port 0 picks a free one). */
    public static ReaderServer start(Lookups reader, String host, int port) {
        Options defaults = Options.loopback(port);
        return start(reader, new Options(host, port, null, defaults.threads(), defaults.queue(), defaults.timeout(),
                defaults.maxResponseBytes()));
    }

    /** Starts serving the reader as the options say. */
    public static ReaderServer start(Lookups reader, Options options) {
        // The JDK server leaves Nagle's algorithm on: with the client's delayed ACKs every small response
        // would wait ~40 ms. Read once per JVM, before the first server starts; an explicit setting wins.
        setIfAbsent(NODELAY, "true");
        // The JDK server's only guard against a client that sends its request (or reads the answer) slowly
        // or never: it closes such connections, freeing the thread. It is read once per JVM when the first
        // server starts, in whole seconds; a -D setting wins.
        String seconds = String.valueOf(Math.max(1, options.timeout().toSeconds()));
        setIfAbsent(MAX_REQUEST_TIME, seconds);
        setIfAbsent(MAX_RESPONSE_TIME, seconds);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        } catch (IOException | RuntimeException e) {
            throw new ReaderException("cannot listen on " + options.host() + ":" + options.port() + " (" + e.getMessage()
                    + "); pick another port with --port (reader.http-port) or address with reader.http-bind", e);
        }
        ReaderServer endpoint = new ReaderServer(reader, options, server);
        server.createContext("/", endpoint::handle);
        server.setExecutor(endpoint.executor());
        server.start();
        return endpoint;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Requests being answered now (for tests). */
    int busyWorkers() {
        return workers.getActiveCount();
    }

    /** Requests waiting for a worker (for tests). */
    int queuedRequests() {
        return workers.getQueue().size();
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
        overflow.shutdownNow();
    }

    /**
     * Runs each exchange on a worker; when every worker is busy and the queue full, on the overflow
     * thread, which answers 503 without looking anything up. When that backlog is full too the JDK
     * server closes the connection.
     */
    private Executor executor() {
        return task -> {
            try {
                workers.execute(task);
            } catch (RejectedExecutionException full) {
                overflow.execute(() -> {
                    OVERFLOW.set(true);
                    try {
                        task.run();
                    } finally {
                        OVERFLOW.set(false);
                    }
                });
            }
        };
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            if (OVERFLOW.get()) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                send(exchange, 503, error("too many requests at once: " + options.threads() + " running and "
                        + options.queue() + " waiting (reader.http-threads, reader.http-queue); retry shortly"));
                return;
            }
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, error("only GET is supported"));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            if (path == null || path.length() > MAX_PATH_CHARS) {
                send(exchange, 400, error("the path is missing or longer than " + MAX_PATH_CHARS + " characters"));
            } else if (path.equals("/health")) {
                send(exchange, reader.isRunning() ? 200 : 503, status(reader.isRunning() ? "up" : "down"));
            } else if (path.equals("/ready")) {
                ReaderStats stats = reader.stats();
                send(exchange, stats.ready() ? 200 : 503, status(stats.ready() ? "ready" : stats.notReady()));
            } else if (!authorized(exchange)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                send(exchange, 401, error("missing or wrong token; send the header Authorization: Bearer <token>"));
            } else if (path.startsWith(USERS) && path.endsWith(SEQUENCE)
                    && path.length() >= USERS.length() + SEQUENCE.length()) {
                lookup(exchange, path.substring(USERS.length(), path.length() - SEQUENCE.length()));
            } else {
                send(exchange, 404, error("no such endpoint; try GET /users/{id}/sequence, /health or /ready"));
            }
        } catch (RuntimeException e) {
            LOG.error("Request {} failed", exchange.getRequestURI().getRawPath(), e);
            send(exchange, 500, error("internal error; the server's log has the details"));
        } finally {
            exchange.close();
        }
    }

    private void lookup(HttpExchange exchange, String raw) throws IOException {
        String user;
        try {
            user = decode(raw);
        } catch (IllegalArgumentException e) {
            send(exchange, 400, error("bad user id in the path: " + e.getMessage()
                    + "; write the id as UTF-8 with %XX escapes for reserved characters"));
            return;
        }
        if (user.isEmpty()) {
            send(exchange, 400, error("the user id in the path is empty; use /users/{id}/sequence"));
            return;
        }
        Optional<UserSequence> snapshot = reader.get(user);
        if (snapshot.isPresent()) {
            byte[] body = SnapshotJson.toJson(snapshot.get()).toString().getBytes(StandardCharsets.UTF_8);
            if (body.length > options.maxResponseBytes()) {
                send(exchange, 500, error("the snapshot is " + body.length + " bytes as JSON, over the limit of "
                        + options.maxResponseBytes() + " (reader.http-max-response); raise the limit or lower"
                        + " sequence.max-items").put("user_id", user));
            } else {
                send(exchange, 200, body);
            }
        } else if (!reader.isCaughtUp()) {
            send(exchange, 503, error("not caught up with the topic yet; user " + user + " may not be read yet")
                    .put("user_id", user));
        } else {
            send(exchange, 404, error("unknown user").put("user_id", user));
        }
    }

    /** Constant time whatever the token: both sides are hashed first, so neither length nor content leaks. */
    private boolean authorized(HttpExchange exchange) {
        if (tokenDigest == null) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String scheme = "bearer ";
        if (header == null || header.length() < scheme.length()
                || !header.substring(0, scheme.length()).equalsIgnoreCase(scheme)) {
            return false;
        }
        return MessageDigest.isEqual(tokenDigest, sha256(header.substring(scheme.length()).trim()));
    }

    /**
     * Strict percent-decoding of a path segment: every % starts two hex digits, and the bytes are
     * valid UTF-8. A '+' is a plus, as in any path (only forms use it for a space).
     */
    static String decode(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("the % at character " + (i + 1) + " is not followed by two hex digits");
            }
            bytes.write(hi * 16 + lo);
            i += 2;
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("its %-escapes are not valid UTF-8");
        }
    }

    private ObjectNode status(String status) {
        ReaderStats stats = reader.stats();
        ObjectNode node = SnapshotJson.MAPPER.createObjectNode().put("status", status);
        node.put("users", stats.users()).put("records", stats.records()).put("skipped", stats.skipped())
                .put("caught_up", stats.caughtUp()).put("lag_records", stats.lagRecords())
                .put("ms_since_broker_answered", stats.silenceMs());
        return node;
    }

    private static ObjectNode error(String message) {
        return SnapshotJson.MAPPER.createObjectNode().put("error", message);
    }

    private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        send(exchange, status, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
