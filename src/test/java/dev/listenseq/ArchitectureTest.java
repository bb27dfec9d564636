package dev.listenseq;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Package rules that keep the logic testable and portable. */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java/dev/listenseq");

    @Test
    void sequenceLogicAndCodecsDoNotDependOnFlink() throws IOException {
        for (String pkg : List.of("sequence", "codec")) {
            List<String> offenders = importing(MAIN.resolve(pkg), "import org.apache.flink");
            assertTrue(Files.isDirectory(MAIN.resolve(pkg)));
            assertEquals(List.of(), offenders, pkg + "/ must stay plain Java");
            assertEquals(List.of(), importing(MAIN.resolve(pkg), "import org.apache.kafka"),
                    pkg + "/ must not depend on Kafka clients either: its rules hold for any input");
        }
    }

    /**
     * Narrow settings: only app/ (and the tools) see the whole job configuration; every other package
     * takes the typed settings it needs (kafka/KafkaSettings and TopicSettings, flink/SequenceSettings).
     */
    @Test
    void onlyAppSeesTheWholeJobConfiguration() throws IOException {
        Pattern jobConfig = Pattern.compile("\\bJobConfig\\b");
        List<String> offenders = new ArrayList<>();
        for (Path file : javaFiles(MAIN)) {
            String pkg = MAIN.relativize(file).getName(0).toString();
            if (pkg.equals("app") || pkg.equals("config")) {
                continue;
            }
            if (jobConfig.matcher(Files.readString(file)).find()) {
                offenders.add(MAIN.relativize(file).toString());
            }
        }
        assertEquals(List.of(), offenders, "only app/ may use JobConfig; pass the narrow settings instead");
    }

    /** pipeline/ is the graph only: its source and sinks are passed in, so it builds no Kafka client or connector. */
    @Test
    void thePipelineBuildsNoKafkaConnector() throws IOException {
        List<String> offenders = new ArrayList<>(importing(MAIN.resolve("pipeline"), "import org.apache.kafka"));
        offenders.addAll(importing(MAIN.resolve("pipeline"), "import org.apache.flink.connector.kafka"));
        offenders.addAll(importing(MAIN.resolve("pipeline"), "import dev.listenseq.kafka.KafkaConnectors"));
        offenders.addAll(importing(MAIN.resolve("pipeline"), "import dev.listenseq.kafka.KafkaIO"));
        assertEquals(List.of(), offenders, "pipeline/ takes its source and sinks as arguments");
    }

    /**
     * The reader and the training examples are for feature consumers who run no Flink: they, and
     * every project package they use, import no Flink class, and their own imports stay within
     * kafka-clients, Avro, Jackson, slf4j, RocksDB, Parquet (examples) and the JDK. (ReaderIT and
     * ExamplesIT also run the commands on a classpath without Flink.)
     */
    @Test
    void readerAndEverythingItUsesDoNotDependOnFlink() throws IOException {
        List<String> allowed = List.of("import java.", "import javax.", "import com.sun.net.httpserver.",
                "import org.apache.kafka.clients.", "import org.apache.kafka.common.", "import org.apache.avro.",
                "import com.fasterxml.jackson.", "import org.slf4j.", "import org.rocksdb.", "import dev.listenseq.",
                "import static java.");
        List<String> unexpected = new ArrayList<>();
        for (String pkg : List.of("reader", "examples")) {
            List<String> rules = new ArrayList<>(allowed);
            if (pkg.equals("examples")) {
                rules.add("import org.apache.parquet.");
            }
            for (Path file : javaFiles(MAIN.resolve(pkg))) {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("import ") && rules.stream().noneMatch(line::startsWith)) {
                        unexpected.add(pkg + "/" + file.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertEquals(List.of(), unexpected,
                "reader/ and examples/ may use kafka-clients, Avro, Jackson, slf4j, RocksDB, Parquet and the JDK only");

        Set<String> used = new TreeSet<>();
        Deque<String> toVisit = new ArrayDeque<>(List.of("reader", "examples"));
        while (!toVisit.isEmpty()) {
            String pkg = toVisit.pop();
            if (!used.add(pkg) || pkg.equals("avro")) {
                continue;
            }
            for (Path file : javaFiles(MAIN.resolve(pkg))) {
                for (String line : Files.readAllLines(file)) {
                    Matcher m = PROJECT_IMPORT.matcher(line);
                    if (m.find()) {
                        toVisit.push(m.group(1));
                    }
                }
            }
        }
        assertTrue(used.containsAll(List.of("reader", "examples", "codec", "avro")), "the reader uses the codec: " + used);
        for (String pkg : used) {
            if (!pkg.equals("avro")) {
                assertEquals(List.of(), importing(MAIN.resolve(pkg), "import org.apache.flink"),
                        pkg + "/ is used by the reader or the examples and must not import Flink");
            }
        }
    }

    private static final Pattern PROJECT_IMPORT = Pattern.compile("^import (?:static )?dev\\.listenseq\\.([a-z]+)\\.");

    private static List<Path> javaFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
        }
    }

    private static List<String> importing(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> {
                        try {
                            return Files.readAllLines(p).stream().anyMatch(l -> l.startsWith(prefix));
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .map(Path::toString)
                    .collect(Collectors.toList());
        }
    }
}
