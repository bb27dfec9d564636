package dev.listenseq.reader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Point-in-time training export: for every label, the user's sequence as of the label's time
 * (see {@link History} for the rule), so no exported sequence holds an event after its label, nor
 * anything the job wrote before the user's last erasure.
 *
 * <p>One pass over the history topic: the labels are grouped by user and sorted by time; each
 * snapshot of a labelled user becomes the answer of every label at or after its {@code as_of}
 * that does not already have a higher version. Rows are written in the labels file's order, with
 * {@code sequence} null when the user had no snapshot at or before the label's time. Memory: the
 * labels plus one encoded snapshot per distinct answer.
 */
public final class TrainingExport {

    /** Output formats, chosen by the output file's extension. */
    public enum Format {
        JSONL, AVRO;

        public static Format forPath(Path out) {
            return out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".avro") ? AVRO : JSONL;
        }
    }

    /** What was written, and what the scan of the history read. */
    public record Result(long rows, long withSequence, long withoutSequence, History.ScanStats scan) {
    }

    /** The schema of an Avro export row: the label, and the sequence as of its time (null if none). */
    public static final Schema ROW_SCHEMA = rowSchema();

    private TrainingExport() {
    }

    public static Result run(ReaderConfig config, List<Label> labels, Path out, Format format, History.Progress progress) {
        Map<String, List<Integer>> byUser = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            byUser.computeIfAbsent(labels.get(i).userId(), u -> new ArrayList<>()).add(i);
        }
        byUser.values().forEach(list -> list.sort(Comparator.comparing(i -> labels.get(i).labelTime())));
        long[] bestGeneration = new long[labels.size()];
        long[] bestVersion = new long[labels.size()];
        byte[][] best = new byte[labels.size()][];

        History.ScanStats scan = History.scan(config, null, byUser::containsKey, new History.Visitor() {
            @Override
            public void accept(UserSequence snapshot, byte[] encoded) {
                List<Integer> userLabels = byUser.get(snapshot.getUserId());
                if (userLabels == null) {
                    return;
                }
                long asOf = snapshot.getAsOf().toEpochMilli();
                long generation = snapshot.getGeneration();
                long version = snapshot.getVersion();
                for (int k = firstAtOrAfter(userLabels, labels, asOf); k < userLabels.size(); k++) {
                    int label = userLabels.get(k);
                    if (best[label] == null
                            || Lineage.compare(generation, version, bestGeneration[label], bestVersion[label]) > 0) {
                        bestGeneration[label] = generation;
                        bestVersion[label] = version;
                        best[label] = encoded;
                    }
                }
            }

            @Override
            public void erased(String user) {
                // The user asked to be forgotten: what the job wrote before answers no label, whatever its time.
                for (int label : byUser.get(user)) {
                    best[label] = null;
                }
            }
        }, progress);

        long with = 0;
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        try (RowWriter writer = format == Format.AVRO ? new AvroRows(out) : new JsonRows(out)) {
            for (int i = 0; i < labels.size(); i++) {
                UserSequence sequence = best[i] == null ? null : codec.decode(best[i]);
                if (sequence != null) {
                    with++;
                }
                writer.write(labels.get(i), sequence);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        } catch (DecodeException e) {
            throw new IllegalStateException("a snapshot decoded during the scan no longer decodes", e);
        }
        return new Result(labels.size(), with, labels.size() - with, scan);
    }

    /** Index in the user's time-sorted labels of the first label at or after the time. */
    private static int firstAtOrAfter(List<Integer> userLabels, List<Label> labels, long time) {
        int lo = 0;
        int hi = userLabels.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (labels.get(userLabels.get(mid)).labelTime().toEpochMilli() < time) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private interface RowWriter extends AutoCloseable {
        void write(Label label, UserSequence sequence) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** {"user_id", "label_time", "labels": {...}, "sequence": {...} or null} per line. */
    private static final class JsonRows implements RowWriter {
        private final Writer out;

        JsonRows(Path path) throws IOException {
            out = new BufferedWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8), 1 << 16);
        }

        @Override
        public void write(Label label, UserSequence sequence) throws IOException {
            ObjectNode row = SnapshotJson.MAPPER.createObjectNode();
            row.put(LabelsFile.USER_ID, label.userId());
            row.put(LabelsFile.LABEL_TIME, label.labelTime().toString());
            row.set("labels", label.fields());
            row.set("sequence", sequence == null ? null : SnapshotJson.toJson(sequence));
            out.write(row.toString());
            out.write('\n');
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** An Avro object container file of {@link #ROW_SCHEMA} records; label fields as strings. */
    private static final class AvroRows implements RowWriter {
        private final DataFileWriter<GenericRecord> out;

        AvroRows(Path path) throws IOException {
            SpecificData model = new SpecificData();
            model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
            out = new DataFileWriter<>(new SpecificDatumWriter<GenericRecord>(ROW_SCHEMA, model));
            out.create(ROW_SCHEMA, path.toFile());
        }

        @Override
        public void write(Label label, UserSequence sequence) throws IOException {
            Map<String, String> fields = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = label.fields().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                fields.put(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString());
            }
            GenericRecord row = new GenericData.Record(ROW_SCHEMA);
            row.put(LabelsFile.USER_ID, label.userId());
            row.put(LabelsFile.LABEL_TIME, label.labelTime());
            row.put("labels", fields);
            row.put("sequence", sequence);
            out.append(row);
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    private static Schema rowSchema() {
        Schema time = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
        Schema sequence = Schema.createUnion(Schema.create(Schema.Type.NULL), UserSequence.getClassSchema());
        return Schema.createRecord("TrainingRow", "A training label with the user's sequence as of its label_time.",
                "dev.listenseq.export", false, List.of(
                        new Schema.Field(LabelsFile.USER_ID, Schema.create(Schema.Type.STRING)),
                        new Schema.Field(LabelsFile.LABEL_TIME, time),
                        new Schema.Field("labels", Schema.createMap(Schema.create(Schema.Type.STRING)),
                                "The label's other fields, as text."),
                        new Schema.Field("sequence", sequence,
                                "The highest-version snapshot with as_of <= label_time; null when there is none.",
                                JsonProperties.NULL_VALUE)));
    }
}
