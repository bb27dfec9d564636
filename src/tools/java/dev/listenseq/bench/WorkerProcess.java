package dev.listenseq.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A {@link Worker} JVM seen from the harness: its progress samples, readiness and final figures. */
final class WorkerProcess implements AutoCloseable {

    private final Process process;
    private final List<Rates.Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread reader;
    private volatile long stateBytes = -1;
    private volatile long snapshots = -1;
    private volatile long[] checkpointPauses = new long[0];
    private volatile UserStateProbe.Sizes user;
    private volatile long userLatePendingFull = -1;

    private WorkerProcess(Process process, Path log) throws IOException {
        this.process = process;
        PrintWriter logWriter = new PrintWriter(Files.newBufferedWriter(log), true);
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith(Worker.TAG + " ")) {
                        handle(line.substring(Worker.TAG.length() + 1).split(" "));
                    } else {
                        logWriter.println(line);
                    }
                }
            } catch (IOException e) {
                logWriter.println("reading the worker failed: " + e);
            } finally {
                logWriter.close();
                ready.countDown();
            }
        }, "worker-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a worker for the case with the given job keys; its stdout and stderr go to log (and log.err). */
    static WorkerProcess start(Case.Kind kind, long expected, Map<String, String> keys, String heap, boolean jfr, Path log)
            throws IOException {
        return start(kind, expected, keys, heap, jfr, log, null);
    }

    /** As above; with {@code inspectUser} not null, the worker also reports that user's state sizes ({@link #user()}). */
    static WorkerProcess start(Case.Kind kind, long expected, Map<String, String> keys, String heap, boolean jfr, Path log,
                               String inspectUser) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        if (jfr) {
            command.add("-XX:StartFlightRecording=settings=profile,filename="
                    + log.resolveSibling(log.getFileName().toString().replace(".log", ".jfr")));
        }
        command.add("--add-opens=java.base/java.util=ALL-UNNAMED");
        command.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
        command.add("-Dlistenseq.console-level=ERROR");
        command.add("-Dlistenseq.log-file=" + log.resolveSibling(log.getFileName() + ".flink.log"));
        if (inspectUser != null) {
            command.add("-D" + Worker.INSPECT_USER + "=" + inspectUser);
        }
        command.add("-cp");
        command.add(classpathFor(kind, System.getProperty("java.class.path")));
        command.add(Worker.class.getName());
        command.add(kind.id);
        command.add(String.valueOf(expected));
        keys.forEach((k, v) -> command.add(k + "=" + v));
        Process process = new ProcessBuilder(command)
                .redirectError(log.resolveSibling(log.getFileName() + ".err").toFile())
                .start();
        return new WorkerProcess(process, log);
    }

    /**
     * The harness's classpath with only the RocksDB the case needs: Flink's frocksdbjni and Kafka
     * Streams' rocksdbjni both define org.rocksdb and cannot share a JVM.
     */
    static String classpathFor(Case.Kind kind, String classpath) {
        String unwanted = kind == Case.Kind.KAFKA_STREAMS ? "frocksdbjni-" : "rocksdbjni-";
        return List.of(classpath.split(File.pathSeparator)).stream()
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith(unwanted))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private void handle(String[] message) {
        switch (message[0]) {
            case "READY":
                ready.countDown();
                break;
            case "P":
                samples.add(new Rates.Sample(Long.parseLong(message[1]), Long.parseLong(message[2]),
                        Long.parseLong(message[3])));
                break;
            case "USER":
                user = UserStateProbe.Sizes.fromWire(message, 1);
                userLatePendingFull = Long.parseLong(message[7]);
                break;
            case "DONE":
                stateBytes = Long.parseLong(message[1]);
                snapshots = Long.parseLong(message[2]);
                checkpointPauses = message[3].equals("-") ? new long[0]
                        : Arrays.stream(message[3].split(",")).mapToLong(Long::parseLong).toArray();
                break;
            default:
                break;
        }
    }

    void awaitReady(long timeoutSeconds) throws Exception {
        if (!ready.await(timeoutSeconds, TimeUnit.SECONDS) || !process.isAlive() && snapshots < 0) {
            throw new IllegalStateException("the worker did not start; see its log");
        }
    }

    /** Waits for the worker to finish by itself; false on timeout. */
    boolean awaitExit(long timeoutSeconds) throws Exception {
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (exited) {
            reader.join(10_000);
        }
        return exited && process.exitValue() == 0;
    }

    /** Asks the worker to stop (closes its stdin) and waits. */
    boolean stop(long timeoutSeconds) throws Exception {
        process.getOutputStream().close();
        return awaitExit(timeoutSeconds);
    }

    List<Rates.Sample> samples() {
        synchronized (samples) {
            return new ArrayList<>(samples);
        }
    }

    long stateBytes() {
        return stateBytes;
    }

    long snapshots() {
        return snapshots;
    }

    /** Per completed checkpoint, the longest synchronous phase of any task in ms (Flink cases only). */
    long[] checkpointPauses() {
        return checkpointPauses.clone();
    }

    /** The inspected user's state sizes after the input, or null when not asked for or not reported. */
    UserStateProbe.Sizes user() {
        return user;
    }

    /** Records the event-time buffer sent to the late topic (all users), reported with {@link #user()}; -1 if not. */
    long latePendingFull() {
        return userLatePendingFull;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
