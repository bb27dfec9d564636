package dev.listenseq.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Where examples go: Parquet for training, JSON Lines for a look; chosen by the output file's extension. */
public interface ExampleSink extends AutoCloseable {

    void write(Example example) throws IOException;

    @Override
    void close() throws IOException;

    /** A Parquet file for {@code .parquet}, JSON Lines for {@code .jsonl} or {@code .json}. */
    static ExampleSink open(Path out, long rowGroupBytes) throws IOException {
        return parquet(out) ? new ParquetExamples(out, rowGroupBytes) : new JsonExamples(out);
    }

    /** Whether the file is Parquet (else JSON Lines); refuses other extensions before any work is done. */
    static boolean parquet(Path out) {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".parquet")) {
            return true;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            return false;
        }
        throw new IllegalArgumentException("--out " + out + " has an unknown extension; use .parquet (training) or .jsonl (inspection)");
    }
}
