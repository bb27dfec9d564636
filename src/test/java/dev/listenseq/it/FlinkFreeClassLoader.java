package dev.listenseq.it;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A class loader holding exactly what a feature-serving service gets: the reader artifact
 * ({@code target/listenseq-reader.jar}), the dependencies listed beside it
 * ({@code target/listenseq-reader-dependencies.txt}) and a logging binding, over the JDK's platform
 * loader: no Flink, no Kafka broker, no test jars. Running the reader commands in it proves the
 * artifact is complete and needs nothing else; a reader class touching Flink, or a dependency missing
 * from the list, fails with NoClassDefFoundError.
 */
final class FlinkFreeClassLoader {

    private static final Path READER_JAR = Path.of("target", "listenseq-reader.jar");
    private static final Path READER_DEPENDENCIES = Path.of("target", "listenseq-reader-dependencies.txt");
    /** The service's own choice of slf4j binding; the reader only needs slf4j-api. */
    private static final List<String> LOGGING_JARS = List.of("log4j-slf4j-impl-", "log4j-core-", "log4j-api-");
    /** A line of the dependency plugin's list: group:artifact:jar:version:scope (and maybe a module name). */
    private static final Pattern DEPENDENCY = Pattern.compile("^\\s*[^:\\s]+:([^:]+):jar:([^:]+):\\w+.*$");

    /** What the examples command adds: parquet-java and the shaded Hadoop client it needs (pom.xml says why). */
    private static final List<String> PARQUET_JARS = List.of("parquet-", "hadoop-client-api-", "hadoop-client-runtime-",
            "aircompressor-", "commons-pool-", "jts-core-", "javax.annotation-api-", "commons-logging-");

    /** What a command printed and returned. */
    record Run(int exitCode, String out, String err) {
    }

    private FlinkFreeClassLoader() {
    }

    /** The loader; {@code first} entries (folders) come before everything, so they can shadow resources. */
    static URLClassLoader create(Path... first) throws Exception {
        return create(List.of(), first);
    }

    /** The loader with more jars allowed (name prefixes). */
    static URLClassLoader create(List<String> moreJars, Path... first) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (Path p : first) {
            urls.add(p.toUri().toURL());
        }
        urls.add(READER_JAR.toUri().toURL());
        List<Path> classpath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            classpath.add(Path.of(entry));
        }
        for (String line : Files.readAllLines(READER_DEPENDENCIES)) {
            Matcher m = DEPENDENCY.matcher(line);
            if (m.matches()) {
                String jar = m.group(1) + "-" + m.group(2) + ".jar";
                Path found = classpath.stream().filter(p -> p.getFileName().toString().equals(jar)).findFirst()
                        .orElseThrow(() -> new IllegalStateException(jar + " is listed in " + READER_DEPENDENCIES
                                + " but not on the test classpath"));
                urls.add(found.toUri().toURL());
            }
        }
        for (Path p : classpath) {
            String name = p.getFileName().toString();
            if (LOGGING_JARS.stream().anyMatch(name::startsWith) || moreJars.stream().anyMatch(name::startsWith)
                    || !moreJars.isEmpty() && (p.endsWith(Path.of("target", "classes"))
                            || name.startsWith("listening-sequence-builder-") && name.endsWith(".jar"))) {
                urls.add(p.toUri().toURL());
            }
        }
        return new URLClassLoader("reader-artifact", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    /** Runs a reader command (get, tail, export, serve) inside a fresh Flink-free loader. */
    static Run command(String command, String... args) throws Exception {
        return command(List.of(), command, args);
    }

    /** Runs a reader command in a loader whose classpath starts with the given folders. */
    static Run command(List<Path> first, String command, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (URLClassLoader loader = create(first.toArray(Path[]::new))) {
            Class<?> commands = loader.loadClass("dev.listenseq.reader.ReaderCommands");
            Method run = commands.getMethod("run", String.class, List.class, PrintStream.class, PrintStream.class);
            Thread current = Thread.currentThread();
            ClassLoader previous = current.getContextClassLoader();
            current.setContextClassLoader(loader);
            try {
                int code = (int) run.invoke(null, command, List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
                return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            } finally {
                current.setContextClassLoader(previous);
            }
        }
    }

    /** Runs {@code examples} in a fresh loader without Flink (the reader's libraries plus Parquet's). */
    static Run examples(String... args) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (URLClassLoader loader = create(PARQUET_JARS)) {
            assertFlinkFree(loader);
            Method run = loader.loadClass("dev.listenseq.examples.ExamplesCommand").getMethod("run", List.class, PrintStream.class);
            Thread current = Thread.currentThread();
            ClassLoader previous = current.getContextClassLoader();
            current.setContextClassLoader(loader);
            try {
                int code = (int) run.invoke(null, List.of(args), new PrintStream(err, true, StandardCharsets.UTF_8));
                return new Run(code, "", err.toString(StandardCharsets.UTF_8));
            } finally {
                current.setContextClassLoader(previous);
            }
        }
    }

    private static void assertFlinkFree(ClassLoader loader) {
        try {
            loader.loadClass("org.apache.flink.api.common.JobID");
            throw new AssertionError("the loader must really lack Flink, or running in it proves nothing");
        } catch (ClassNotFoundException expected) {
            // As it should be.
        }
    }
}
