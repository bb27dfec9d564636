package dev.listenseq.reader;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.listenseq.avro.UserSequence;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

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
 */
public final class ReaderServer implements AutoCloseable {

    private static final String USERS = "/users/";
    private static final String SEQUENCE = "/sequence";
    private static final String NODELAY = "sun.net.httpserver.nodelay";

    private final SequenceReader reader;
    private final HttpServer server;
    private final ExecutorService executor;

    private ReaderServer(SequenceReader reader, HttpServer server, ExecutorService executor) {
        this.reader = reader;
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving the reader on host:port (port 0 picks a free one). */
    public static ReaderServer start(SequenceReader reader, String host, int port) {
        // The JDK server leaves Nagle's algorithm on: with the client's delayed ACKs every small response
        // would wait ~40 ms. Read once per JVM, before the first server starts; an explicit setting wins.
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 128);
        } catch (IOException e) {
            throw new ReaderException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); pick another with --port (reader.http-port)", e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "reader-http");
            t.setDaemon(true);
            return t;
        });
        ReaderServer endpoint = new ReaderServer(reader, server, executor);
        server.createContext("/", endpoint::handle);
        server.setExecutor(executor);
        server.start();
        return endpoint;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, error("only GET is supported"));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/health")) {
                send(exchange, reader.isRunning() ? 200 : 503, status(reader.isRunning() ? "up" : "down"));
            } else if (path.equals("/ready")) {
                ReaderStats stats = reader.stats();
                send(exchange, stats.ready() ? 200 : 503, status(stats.ready() ? "ready" : stats.notReady()));
            } else if (path.startsWith(USERS) && path.endsWith(SEQUENCE)
                    && path.length() > USERS.length() + SEQUENCE.length()) {
                String raw = path.substring(USERS.length(), path.length() - SEQUENCE.length());
                String user = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
                Optional<UserSequence> snapshot = reader.get(user);
                if (snapshot.isPresent()) {
                    send(exchange, 200, SnapshotJson.toJson(snapshot.get()));
                } else if (!reader.isCaughtUp()) {
                    send(exchange, 503, error("not caught up with the topic yet; user " + user + " may not be read yet")
                            .put("user_id", user));
                } else {
                    send(exchange, 404, error("unknown user").put("user_id", user));
                }
            } else {
                send(exchange, 404, error("no such endpoint; try GET /users/{id}/sequence, /health or /ready"));
            }
        } catch (RuntimeException e) {
            send(exchange, 500, error(e.toString()));
        } finally {
            exchange.close();
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
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
