package dev.listenseq.examples;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Examples as a Parquet file, written by parquet-java's Avro binding to a local file (no Hadoop
 * file system). Zstandard compression (the arrays are small integers and repeat a lot), dictionary
 * encoding on, and standard three-level lists so pyarrow, DuckDB and Spark read the arrays alike.
 */
final class ParquetExamples implements ExampleSink {

    private final ParquetWriter<GenericRecord> writer;

    ParquetExamples(Path out, long rowGroupBytes) throws IOException {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set("parquet.avro.write-old-list-structure", "false");
        writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(out))
                .withConf(conf)
                .withSchema(ExampleSchema.SCHEMA)
                .withDataModel(GenericData.get())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withDictionaryEncoding(true)
                .withRowGroupSize(rowGroupBytes)
                .build();
    }

    @Override
    public void write(Example example) throws IOException {
        writer.write(ExampleSchema.toRecord(example));
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
