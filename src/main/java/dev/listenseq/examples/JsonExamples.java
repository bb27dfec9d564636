package dev.listenseq.examples;

import dev.listenseq.reader.SnapshotJson;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Examples as JSON Lines, one object per line with the Parquet column names, for inspection. */
final class JsonExamples implements ExampleSink {

    private final Writer out;

    JsonExamples(Path path) throws IOException {
        out = new BufferedWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8), 1 << 16);
    }

    @Override
    public void write(Example example) throws IOException {
        out.write(SnapshotJson.line(ExampleSchema.toRecord(example)));
        out.write('\n');
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
