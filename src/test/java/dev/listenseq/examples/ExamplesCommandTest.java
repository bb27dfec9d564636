package dev.listenseq.examples;

import dev.listenseq.config.ConfigKey;
import dev.listenseq.config.ConfigKeys;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code examples} tells its user: its help, its progress lines and its summary, as the docs show them. */
class ExamplesCommandTest {

    private static final Path DOC = Path.of("docs", "training-examples.md");

    @Test
    void helpListsTheFlagsWhatTheRunPrintsAndEveryExamplesKey() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ExamplesCommand.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String help = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertEquals("", err.toString(StandardCharsets.UTF_8), "help is no error");
        assertTrue(help.startsWith("usage: listenseq examples --out FILE.parquet|.jsonl"), help);
        for (String part : List.of("--from T, --to T", "--vocab FILE", "a progress line per phase", "then the summary",
                "skipped positives and why", "Exit code: 0 done, 1 failed")) {
            assertTrue(help.contains(part), part + " in\n" + help);
        }
        int keys = 0;
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key.name().startsWith("examples.")) {
                assertTrue(help.contains("  " + key.name() + " ("), key.name() + " in\n" + help);
                keys++;
            }
        }
        assertTrue(keys >= 10, "the examples keys are found by their prefix");
        assertEquals(0, ExamplesCommand.run(List.of("--out", "x.parquet", "-h"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err)), "-h wins over the other flags");
    }

    @Test
    void theDocsShowTheProgressLineAndTheSummaryAsTheCommandPrintsThem() throws Exception {
        String doc = Files.readString(DOC);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        ExamplesCommand.progressPrinter(new PrintStream(progress, true, StandardCharsets.UTF_8)).update("input", 12_000, 20_000);
        String line = progress.toString(StandardCharsets.UTF_8);
        assertEquals("  input   12,000 of 20,000 (60%)\n", line);
        assertTrue(doc.contains(line), "docs/training-examples.md shows the progress line " + line);

        ExampleExport.Summary s = new ExampleExport.Summary(20_000, 20_000, 0, 0, 9_996, 0, 0, 358, 9_638, 732,
                20_000, 18_523, 0, 1, 26_805_063, 1_994, 1_469, 1_994, 1_469, 894);
        String summary = ExamplesCommand.summary(s, Path.of("examples.parquet"));
        assertTrue(doc.contains(summary), "docs/training-examples.md shows the summary as printed:\n" + summary);
    }
}
