package dev.listenseq.reader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LabelsFileTest {

    @TempDir
    Path dir;

    private Path file(String name, String... lines) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, List.of(lines));
        return f;
    }

    private String error(Path f) {
        return assertThrows(LabelsException.class, () -> LabelsFile.read(f)).getMessage();
    }

    @Test
    void csvWithHeaderQuotesAndExtraColumns() throws Exception {
        Path f = file("labels.csv",
                "label_time,user_id,clicked,note",
                "2026-11-01T10:00:00Z,alice,1,\"says \"\"hi\"\", twice\"",
                "",
                "1793527200000,bob,0,");

        List<Label> labels = LabelsFile.read(f);

        assertEquals(2, labels.size());
        assertEquals(new Label(2, "alice", Instant.parse("2026-11-01T10:00:00Z"), labels.get(0).fields()), labels.get(0));
        assertEquals("{\"clicked\":\"1\",\"note\":\"says \\\"hi\\\", twice\"}", labels.get(0).fields().toString());
        assertEquals(4, labels.get(1).line());
        assertEquals(Instant.ofEpochMilli(1793527200000L), labels.get(1).labelTime());
        assertEquals("", labels.get(1).fields().get("note").asText());
    }

    @Test
    void jsonLinesWithOffsetsAndMillis() throws Exception {
        Path f = file("labels.jsonl",
                "{\"user_id\":\"alice\",\"label_time\":\"2026-11-01T12:00:00+02:00\",\"clicked\":true}",
                "{\"user_id\":\"bob\",\"label_time\":1793527200000}");

        List<Label> labels = LabelsFile.read(f);

        assertEquals(Instant.parse("2026-11-01T10:00:00Z"), labels.get(0).labelTime());
        assertEquals("{\"clicked\":true}", labels.get(0).fields().toString());
        assertEquals(Instant.ofEpochMilli(1793527200000L), labels.get(1).labelTime());
    }

    @Test
    void badLinesAreNamedWithTheirNumber() throws Exception {
        assertEquals(dir.resolve("a.csv") + " line 3: label_time \"yesterday\" is neither epoch milliseconds nor an"
                        + " ISO-8601 time with an offset, like 2026-11-01T10:00:00Z",
                error(file("a.csv", "user_id,label_time", "alice,1000", "bob,yesterday")));
        assertEquals(dir.resolve("b.csv") + " line 2: 3 columns; the header has 2",
                error(file("b.csv", "user_id,label_time", "alice,1000,extra")));
        assertEquals(dir.resolve("c.csv") + " line 1: the header [user, time] must name the columns user_id and label_time",
                error(file("c.csv", "user,time", "alice,1000")));
        assertEquals(dir.resolve("d.csv") + " line 2: user_id is empty",
                error(file("d.csv", "user_id,label_time", " ,1000")));
        assertEquals(dir.resolve("e.csv") + " line 2: a quoted value is not closed (values cannot span lines)",
                error(file("e.csv", "user_id,label_time", "\"alice,1000")));
        String json = error(file("f.jsonl", "{\"user_id\":\"a\",\"label_time\":1}", "{\"user_id\":\"b\",", "{}"));
        assertEquals(true, json.startsWith(dir.resolve("f.jsonl") + " line 2: not JSON"), json);
        assertEquals(dir.resolve("g.jsonl") + " line 1: label_time is missing or neither a string nor an integer",
                error(file("g.jsonl", "{\"user_id\":\"a\",\"label_time\":1.5}")));
        assertEquals(dir.resolve("h.jsonl") + " line 2: user_id is missing or not a string",
                error(file("h.jsonl", "{\"user_id\":\"a\",\"label_time\":1}", "{\"label_time\":1}")));
        assertEquals(dir.resolve("i.jsonl") + " line 1: label_time \"2026-11-01T10:00:00\" is neither epoch milliseconds"
                        + " nor an ISO-8601 time with an offset, like 2026-11-01T10:00:00Z",
                error(file("i.jsonl", "{\"user_id\":\"a\",\"label_time\":\"2026-11-01T10:00:00\"}")));
    }

    @Test
    void missingFilesAndUnknownExtensionsAreExplained() throws Exception {
        assertEquals("labels file " + dir.resolve("nope.csv") + " does not exist", error(dir.resolve("nope.csv")));
        assertEquals("labels file " + dir.resolve("x.txt") + " must end in .csv or .jsonl (CSV with a header row, or JSON Lines)",
                error(file("x.txt", "user_id,label_time")));
        assertEquals(dir.resolve("empty.csv") + " is empty; it needs a header row with user_id and label_time",
                error(file("empty.csv")));
    }
}
