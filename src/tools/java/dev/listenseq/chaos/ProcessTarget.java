package dev.listenseq.chaos;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The job as {@code ./listenseq stream} would run it: a child JVM with its own MiniCluster. Injects
 * {@code kill -9} of that whole process and starts the very same command line again, as a supervisor
 * (systemd, a container restart policy) would. The job must then resume by itself from its newest
 * retained checkpoint; started empty, the topic checks fail (versions restart at 1).
 */
final class ProcessTarget implements JobTarget {

    private final Path dir;
    private final List<String> classpath;
    private List<String> command;
    private Process process;
    private int starts;

    ProcessTarget(Path dir, List<String> classpath) {
        this.dir = dir;
        this.classpath = classpath;
    }

    @Override
    public void start(List<String> streamArgs) throws Exception {
        Files.createDirectories(dir);
        command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "-cp", String.join(File.pathSeparator, classpath), "dev.listenseq.app.Main", "stream"));
        command.addAll(streamArgs);
        launch();
    }

    private void launch() throws Exception {
        Path log = dir.resolve("stream-" + (++starts) + ".log");
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    @Override
    public Set<FaultKind> kinds() {
        return Set.of(FaultKind.PROCESS);
    }

    @Override
    public long inject(FaultKind kind, Random random) throws Exception {
        // destroyForcibly is SIGKILL on Linux: no shutdown hook, no savepoint, like the OOM killer.
        process.destroyForcibly();
        process.waitFor(1, TimeUnit.MINUTES);
        long over = System.currentTimeMillis();
        launch();
        return over;
    }

    @Override
    public void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the stream process exited with " + process.exitValue() + "; logs in " + logs());
        }
    }

    @Override
    public String logs() {
        return dir.toString();
    }

    /** The command line the target starts (and starts again after each kill). */
    List<String> command() {
        return command;
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
        }
    }
}
