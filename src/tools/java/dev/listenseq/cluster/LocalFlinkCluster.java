package dev.listenseq.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * A standalone Flink session cluster on this machine as separate processes: one JobManager and N
 * TaskManagers, each its own JVM started from Flink's Maven artifacts (the entry points a Flink
 * distribution's scripts start), with RocksDB, file checkpoints, a Prometheus reporter per process and
 * free ports everywhere. Jobs are submitted as jars through the REST API, as on any session cluster.
 *
 * <p>The processes' classpath is the caller's minus the job jar's contents (our classes, the Kafka
 * connector and client, Avro), so a submitted jar must bring those itself, as on the official image.
 * {@link #close()} kills every process this object started.
 */
public final class LocalFlinkCluster implements AutoCloseable {

    /** Entry points of a standalone session cluster, as the distribution's scripts start them. */
    static final String JOBMANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASKMANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    /** ZooKeeper's own standalone server, as Flink's shaded copy of it ships in every Flink classpath. */
    static final String ZOOKEEPER_MAIN = "org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ZooKeeperServerMain";

    /** What the job jar brings; the cluster's classpath leaves these out (file-name prefixes). */
    private static final List<String> JOB_JAR_CONTENT = List.of(
            "flink-connector-kafka-", "kafka-clients-", "flink-avro-", "avro-1.");

    private static final List<String> JVM_OPENS = List.of(
            "java.base/java.lang", "java.base/java.lang.reflect", "java.base/java.io", "java.base/java.net",
            "java.base/java.nio", "java.base/sun.nio.ch", "java.base/java.text", "java.base/java.time",
            "java.base/java.util", "java.base/java.util.concurrent", "java.base/java.util.concurrent.atomic",
            "java.base/java.util.concurrent.locks");

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long processes may take to come up: minutes, as on a shared machine under heavy load (seen: > 2). */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private final Path dir;
    private final Path confDir;
    private final String classpath;
    private final int restPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Node> taskManagers = new ArrayList<>();
    private Node jobManager;
    private Node zooKeeper;
    private int started;
    private int jobManagersStarted;

    /** One cluster process: its OS process, log file and Prometheus port. */
    public record Node(String name, Process process, Path log, int prometheusPort) {
        public long pid() {
            return process.pid();
        }
    }

    private LocalFlinkCluster(Path dir, String classpath, int restPort) {
        this.dir = dir;
        this.confDir = dir.resolve("conf");
        this.classpath = classpath;
        this.restPort = restPort;
    }

    /**
     * Writes the cluster's config.yaml under dir and starts the JobManager and the TaskManagers, each
     * with one slot; returns once all TaskManagers have registered.
     *
     * @param classpath entries of a runtime classpath that holds Flink (target/classpath.txt, or a test's)
     * @param extraConfig more Flink options (flat keys), e.g. a restart strategy
     */
    public static LocalFlinkCluster start(Path dir, List<String> classpath, int taskManagers,
                                          Map<String, String> extraConfig) throws Exception {
        return start(dir, classpath, taskManagers, extraConfig, false);
    }

    /**
     * As {@link #start(Path, List, int, Map)}; with {@code highAvailability} also a ZooKeeper server
     * process and ZooKeeper HA (job graphs, checkpoint pointers and the leader in ZooKeeper, their data
     * under dir/ha), so a JobManager killed and started again ({@link #killJobManager()},
     * {@link #startJobManager()}) recovers the running jobs from their latest checkpoints.
     */
    public static LocalFlinkCluster start(Path dir, List<String> classpath, int taskManagers,
                                          Map<String, String> extraConfig, boolean highAvailability) throws Exception {
        Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("tmp"));
        Files.createDirectories(dir.resolve("log"));
        LocalFlinkCluster cluster = new LocalFlinkCluster(dir, clusterClasspath(classpath), freePort());
        // Also when this JVM is stopped or dies of an exception: no cluster process outlives it.
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "local-flink-cluster-stop"));
        try {
            Map<String, String> config = new LinkedHashMap<>(extraConfig);
            if (highAvailability) {
                config.putAll(cluster.startZooKeeper());
            }
            cluster.writeConfig(config);
            cluster.startJobManager();
            for (int i = 0; i < taskManagers; i++) {
                cluster.startTaskManager();
            }
            cluster.awaitTaskManagers(taskManagers, START_TIMEOUT);
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    /** The caller's classpath without what the job jar must bring itself. */
    static String clusterClasspath(List<String> entries) {
        return entries.stream()
                .filter(e -> !e.isBlank())
                .filter(e -> !Files.isDirectory(Path.of(e)))
                .filter(e -> {
                    String name = Path.of(e).getFileName().toString();
                    return JOB_JAR_CONTENT.stream().noneMatch(name::startsWith) && !name.startsWith("listening-sequence-builder");
                })
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private void writeConfig(Map<String, String> extraConfig) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "localhost");
        c.put("jobmanager.rpc.port", String.valueOf(freePort()));
        c.put("jobmanager.bind-host", "localhost");
        c.put("taskmanager.bind-host", "localhost");
        c.put("taskmanager.host", "localhost");
        c.put("rest.address", "localhost");
        c.put("rest.bind-address", "localhost");
        c.put("rest.port", String.valueOf(restPort));
        c.put("blob.server.port", String.valueOf(freePort()));
        c.put("taskmanager.numberOfTaskSlots", "1");
        c.put("jobmanager.memory.process.size", "768m");
        // A TaskManager started without the distribution's scripts needs its memory spelled out.
        c.put("taskmanager.cpu.cores", "1");
        c.put("taskmanager.memory.framework.heap.size", "128m");
        c.put("taskmanager.memory.task.heap.size", "384m");
        c.put("taskmanager.memory.framework.off-heap.size", "128m");
        c.put("taskmanager.memory.task.off-heap.size", "0m");
        c.put("taskmanager.memory.network.min", "64m");
        c.put("taskmanager.memory.network.max", "64m");
        c.put("taskmanager.memory.managed.size", "256m");
        c.put("taskmanager.memory.jvm-metaspace.size", "192m");
        c.put("taskmanager.memory.jvm-overhead.min", "192m");
        c.put("taskmanager.memory.jvm-overhead.max", "192m");
        c.put("state.backend.type", "rocksdb");
        c.put("state.backend.rocksdb.localdir", dir.resolve("rocksdb").toString());
        c.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        c.put("execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
        c.put("io.tmp.dirs", dir.resolve("tmp").toString());
        c.put("web.upload.dir", dir.resolve("tmp").toString());
        c.put("restart-strategy.type", "fixed-delay");
        c.put("restart-strategy.fixed-delay.attempts", "20");
        c.put("restart-strategy.fixed-delay.delay", "1s");
        // A lost TaskManager is noticed within seconds (defaults: 10 s interval, 50 s timeout).
        c.put("heartbeat.interval", "1000");
        c.put("heartbeat.timeout", "5000");
        c.put("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.put("classloader.check-leaked-classloader", "false");
        c.putAll(extraConfig);
        StringBuilder yaml = new StringBuilder("# Written by LocalFlinkCluster: a standalone session cluster on localhost.\n");
        c.forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
        Files.writeString(confDir.resolve("config.yaml"), yaml.toString());
        Files.writeString(confDir.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5level %-40.40c{1.} %msg%n",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN",
                "logger.metrics.name = org.apache.flink.metrics.MetricGroup",
                "logger.metrics.level = ERROR",
                ""));
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Starts a ZooKeeper server process on a free port; returns the Flink options that use it for HA. */
    private Map<String, String> startZooKeeper() throws Exception {
        int port = freePort();
        Path data = dir.resolve("zookeeper");
        Files.createDirectories(data);
        Path log = dir.resolve("log").resolve("zookeeper.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-Dzookeeper.admin.enableServer=false", "-Dlog.file=" + log,
                "-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri(),
                "-cp", classpath, ZOOKEEPER_MAIN, String.valueOf(port), data.toString()));
        Files.createDirectories(confDir);
        writeConfig(Map.of());
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").resolve("zookeeper.out").toFile()).start();
        zooKeeper = new Node("zookeeper", process, log, 0);
        await(START_TIMEOUT, "ZooKeeper on port " + port, () -> {
            try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return Map.of(
                "high-availability.type", "zookeeper",
                "high-availability.zookeeper.quorum", "localhost:" + port,
                "high-availability.storageDir", dir.resolve("ha").toUri().toString(),
                "high-availability.cluster-id", "/listenseq-local");
    }

    /** Starts a JobManager process (the first, or one in place of a killed one) and waits for its REST API. */
    public Node startJobManager() throws Exception {
        String name = ++jobManagersStarted == 1 ? "jobmanager" : "jobmanager-" + jobManagersStarted;
        jobManager = launch(name, JOBMANAGER_MAIN, "-Xmx448m", "-Xms448m", "-XX:MaxMetaspaceSize=192m");
        awaitRest(START_TIMEOUT);
        return jobManager;
    }

    /** Kills the JobManager with {@code kill -9}; with HA a JobManager started after it takes over its jobs. */
    public void killJobManager() throws Exception {
        kill(jobManager);
    }

    /** Starts one more TaskManager process (a replacement after a kill, or an extra one). */
    public Node startTaskManager() throws IOException {
        Node node = launch("taskmanager-" + (++started), TASKMANAGER_MAIN, "-Xmx512m", "-Xms512m",
                "-XX:MaxDirectMemorySize=192m", "-XX:MaxMetaspaceSize=192m");
        taskManagers.add(node);
        return node;
    }

    private Node launch(String name, String mainClass, String... memory) throws IOException {
        int prometheusPort = freePort();
        Path log = dir.resolve("log").resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(memory));
        JVM_OPENS.forEach(o -> command.add("--add-opens=" + o + "=ALL-UNNAMED"));
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.addAll(List.of("-cp", classpath, mainClass, "--configDir", confDir.toString(),
                "-D", "metrics.reporter.prom.port=" + prometheusPort));
        // The cluster folder is the working directory, so a job finds its bundled job file, not this checkout's.
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile())
                .start();
        return new Node(name, process, log, prometheusPort);
    }

    /** Kills a TaskManager the way a lost machine does: {@code kill -9}, no shutdown hooks. */
    public void killTaskManager(Node node) throws Exception {
        kill(node);
        taskManagers.remove(node);
    }

    private static void kill(Node node) throws Exception {
        Process kill = new ProcessBuilder("kill", "-9", String.valueOf(node.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -9 " + node.pid() + " failed");
        }
        node.process().waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Starts a replacement for every TaskManager whose process exited by itself (Flink stops a
     * TaskManager on a fatal error), as a supervisor such as Kubernetes would; returns the exited ones.
     */
    public List<Node> replaceExitedTaskManagers() throws IOException {
        List<Node> exited = taskManagers.stream().filter(n -> !n.process().isAlive()).toList();
        for (Node node : exited) {
            taskManagers.remove(node);
            startTaskManager();
        }
        return exited;
    }

    public List<Node> taskManagers() {
        return List.copyOf(taskManagers);
    }

    public Node jobManager() {
        return jobManager;
    }

    public String restUrl() {
        return "http://localhost:" + restPort;
    }

    public Path logDir() {
        return dir.resolve("log");
    }

    /** Uploads a jar and runs it with the given program arguments; returns the job id. */
    public String submit(Path jar, String entryClass, List<String> programArgs) throws Exception {
        String boundary = "----listenseq" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest upload = HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofFile(jar), HttpRequest.BodyPublishers.ofByteArray(tail)))
                .timeout(Duration.ofMinutes(2))
                .build();
        JsonNode uploaded = send(upload);
        String jarId = Path.of(uploaded.path("filename").asText()).getFileName().toString();

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entryClass", entryClass);
        body.put("programArgsList", programArgs);
        HttpRequest run = HttpRequest.newBuilder(URI.create(restUrl() + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .timeout(Duration.ofMinutes(2))
                .build();
        return send(run).path("jobid").asText();
    }

    /** GET on the REST API, parsed. */
    public JsonNode get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(Duration.ofSeconds(10)).GET().build());
    }

    public String jobState(String jobId) throws Exception {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Completed checkpoints of a job so far. */
    public long completedCheckpoints(String jobId) throws Exception {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** Cancels a job (its retained checkpoints stay). */
    public void cancel(String jobId) throws Exception {
        send(HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build());
    }

    /** The text a process's Prometheus reporter serves. */
    public String scrape(Node node) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + node.prometheusPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private JsonNode send(HttpRequest request) throws Exception {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                    + response.statusCode() + ": " + response.body() + "\n(logs in " + logDir() + ")");
        }
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private void awaitRest(Duration timeout) throws Exception {
        await(timeout, "the JobManager's REST API at " + restUrl(), () -> {
            try {
                get("/overview");
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Waits until exactly this many TaskManagers are registered. */
    public void awaitTaskManagers(int count, Duration timeout) throws Exception {
        await(timeout, count + " registered TaskManagers", () -> {
            try {
                return get("/overview").path("taskmanagers").asInt() == count;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private void await(Duration timeout, String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (jobManager != null && !jobManager.process().isAlive()) {
                throw new IllegalStateException("the JobManager exited while waiting for " + what
                        + "; see " + logDir());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + "; see " + logDir());
            }
            Thread.sleep(200);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills every process this cluster started (SIGKILL: nothing of it needs to survive). */
    @Override
    public void close() {
        List<Node> all = new ArrayList<>(taskManagers);
        if (jobManager != null) {
            all.add(jobManager);
        }
        if (zooKeeper != null) {
            all.add(zooKeeper);
        }
        for (Node node : all) {
            node.process().descendants().forEach(ProcessHandle::destroyForcibly);
            node.process().destroyForcibly();
        }
        for (Node node : all) {
            try {
                node.process().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Uploaded jars and blob caches (~80 MB per process); logs, configuration and checkpoints stay.
        deleteRecursively(dir.resolve("tmp"));
    }

    /** Deletes a folder and everything in it, as far as possible. */
    public static void deleteRecursively(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a leftover temporary file is harmless
        }
    }
}
