package dev.listenseq.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./listenseq stream} as an operator runs it: its own JVM on the test classpath, everything it prints kept. */
final class StreamProcess {

    final Process process;
    final StringBuffer output = new StringBuffer();

    /**
     * The launcher's JVM, but with the client compiler only: these runs last seconds, and the optimising
     * compiler's threads spent more CPU on them than they gave back (a 2-core machine: StreamCommandIT's
     * two processes took 27 s less CPU with it off). Nothing a test asserts depends on the JIT.
     */
    StreamProcess(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m", "-XX:TieredStopAtLevel=1",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.listenseq.app.Main", "stream"));
        command.addAll(args);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    output.append(line).append('\n');
                }
            } catch (Exception e) {
                output.append("reader failed: ").append(e);
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    /** SIGKILL: the JVM dies at once, nothing is cleaned up or flushed. */
    void kill() throws Exception {
        process.destroyForcibly();
        assertTrue(process.waitFor(1, TimeUnit.MINUTES), "stream survived SIGKILL");
    }

    /** Waits for the process to exit by itself; its exit code. */
    int awaitExit() throws Exception {
        assertTrue(process.waitFor(3, TimeUnit.MINUTES), "stream did not exit:\n" + output);
        Thread.sleep(200);
        return process.exitValue();
    }

    /** SIGTERM (stop with a savepoint), then its exit code. */
    int terminate() throws Exception {
        process.toHandle().destroy();
        return awaitExit();
    }
}
