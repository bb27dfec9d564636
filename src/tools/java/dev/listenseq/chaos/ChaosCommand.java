package dev.listenseq.chaos;

import dev.listenseq.config.StartupException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** {@code chaos}: the chaos suite from this checkout (docs/chaos.md); exit code 0 when every check passed. */
public final class ChaosCommand {

    private static final Path JOB_JAR = Path.of("target", "listenseq-job.jar");
    private static final Path CLASSPATH = Path.of("target", "classpath.txt");
    private static final Path CLASSES = Path.of("target", "classes");

    private ChaosCommand() {
    }

    public static int run(List<String> args) throws Exception {
        ChaosOptions options = ChaosOptions.parse(args);
        if (!Files.isRegularFile(JOB_JAR) || !Files.isRegularFile(CLASSPATH)) {
            throw new StartupException(JOB_JAR + " or " + CLASSPATH + " is missing; build with `mvn -DskipTests package`"
                    + " (./listenseq does it for you)", null);
        }
        List<String> classpath = new ArrayList<>(List.of(CLASSES.toAbsolutePath().toString()));
        Arrays.stream(Files.readString(CLASSPATH).trim().split(File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toString()).forEach(classpath::add);
        ChaosRun.Result result = new ChaosRun(options, JOB_JAR.toAbsolutePath(), classpath, System.out,
                reproduce(args, options)).run();
        return result.passed() ? 0 : 1;
    }

    /** The command line that repeats this run: the same flags, the seed spelled out. */
    static String reproduce(List<String> args, ChaosOptions options) {
        List<String> command = new ArrayList<>(List.of("./listenseq", "chaos"));
        if (!args.contains("--seed")) {
            command.addAll(List.of("--seed", String.valueOf(options.seed())));
        }
        command.addAll(args);
        return String.join(" ", command);
    }
}
