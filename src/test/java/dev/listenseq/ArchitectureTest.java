package dev.listenseq;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
