package dev.listenseq.it;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A class loader holding the project's classes and only the libraries the reader may use
 * (kafka-clients, Avro, Jackson, slf4j/log4j, RocksDB and their compression codecs), over the JDK's
 * platform loader: no Flink, no Kafka broker, no test jars. Running the reader commands in it
 * proves they need nothing else; a reader class touching Flink would fail with NoClassDefFoundError.
 */
final class FlinkFreeClassLoader {

    private static final List<String> ALLOWED_JARS = List.of("kafka-clients-", "avro-1.", "jackson-core-",
            "jackson-databind-", "jackson-annotations-", "slf4j-api-", "log4j-slf4j-impl-", "log4j-core-", "log4j-api-",
            "zstd-jni-", "lz4-java-", "snappy-java-", "commons-compress-", "frocksdbjni-");

    /** What a command printed and returned. */
    record Run(int exitCode, String out, String err) {
    }

    private FlinkFreeClassLoader() {
    }

    /** The loader; {@code first} entries (folders) come before everything, so they can shadow resources. */
    static URLClassLoader create(Path... first) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (Path p : first) {
            urls.add(p.toUri().toURL());
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            String name = path.getFileName().toString();
            // The project's own classes: target/classes, or its jar (failsafe tests the packaged jar).
            boolean projectClasses = path.endsWith(Path.of("target", "classes"))
                    || (name.startsWith("listening-sequence-builder-") && name.endsWith(".jar"));
            if (projectClasses || ALLOWED_JARS.stream().anyMatch(name::startsWith)) {
                urls.add(path.toUri().toURL());
            }
        }
        return new URLClassLoader("flink-free", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
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
}
