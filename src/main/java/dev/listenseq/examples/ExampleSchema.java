package dev.listenseq.examples;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * The example row as an Avro schema, which parquet-avro maps to the Parquet schema (standard
 * three-level LISTs of required elements). docs/training-examples.md describes each column.
 */
public final class ExampleSchema {

    public static final Schema SCHEMA = build();

    private ExampleSchema() {
    }

    public static GenericRecord toRecord(Example e) {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("user_id", e.userId());
        r.put("label_time", e.labelTime());
        r.put("label_type", e.labelType());
        r.put("label_event_id", e.labelEventId());
        r.put("target_song_id", e.targetSongId());
        r.put("target_song_index", e.targetSongIndex());
        r.put("target_artist_id", e.targetArtistId());
        r.put("target_artist_index", e.targetArtistIndex());
        r.put("snapshot_version", e.snapshotVersion());
        r.put("snapshot_as_of", e.snapshotAsOf());
        r.put("length", e.length());
        r.put("song_index", ints(e.songIndex()));
        r.put("artist_index", ints(e.artistIndex()));
        r.put("weight", floats(e.weight()));
        r.put("plays", ints(e.plays()));
        r.put("skips", ints(e.skips()));
        r.put("liked", bools(e.liked()));
        r.put("collected", bools(e.collected()));
        r.put("last_type", ints(e.lastType()));
        r.put("last_completion", floats(e.lastCompletion()));
        r.put("recency_bucket", ints(e.recencyBucket()));
        r.put("mask", bools(e.mask()));
        return r;
    }

    private static List<Integer> ints(int[] a) {
        List<Integer> l = new ArrayList<>(a.length);
        for (int v : a) {
            l.add(v);
        }
        return l;
    }

    private static List<Float> floats(float[] a) {
        List<Float> l = new ArrayList<>(a.length);
        for (float v : a) {
            l.add(v);
        }
        return l;
    }

    private static List<Boolean> bools(boolean[] a) {
        List<Boolean> l = new ArrayList<>(a.length);
        for (boolean v : a) {
            l.add(v);
        }
        return l;
    }

    private static Schema build() {
        Schema string = Schema.create(Schema.Type.STRING);
        Schema optionalString = Schema.createUnion(Schema.create(Schema.Type.NULL), string);
        Schema integer = Schema.create(Schema.Type.INT);
        Schema longs = Schema.create(Schema.Type.LONG);
        Schema time = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
        Schema intArray = Schema.createArray(integer);
        Schema floatArray = Schema.createArray(Schema.create(Schema.Type.FLOAT));
        Schema boolArray = Schema.createArray(Schema.create(Schema.Type.BOOLEAN));
        List<Schema.Field> fields = List.of(
                new Schema.Field("user_id", string),
                new Schema.Field("label_time", time, "Event time of the label event."),
                new Schema.Field("label_type", string, "PLAY, LIKE or COLLECT."),
                new Schema.Field("label_event_id", string),
                new Schema.Field("target_song_id", string),
                new Schema.Field("target_song_index", integer, "Vocabulary index; 1 out of vocabulary."),
                new Schema.Field("target_artist_id", optionalString),
                new Schema.Field("target_artist_index", integer, "Vocabulary index; 1 out of vocabulary or unknown."),
                new Schema.Field("snapshot_version", longs, "Version of the snapshot the features come from."),
                new Schema.Field("snapshot_as_of", time, "as_of of that snapshot: always before label_time."),
                new Schema.Field("length", integer, "Real positions in the arrays (the rest is padding)."),
                new Schema.Field("song_index", intArray),
                new Schema.Field("artist_index", intArray),
                new Schema.Field("weight", floatArray),
                new Schema.Field("plays", intArray),
                new Schema.Field("skips", intArray),
                new Schema.Field("liked", boolArray),
                new Schema.Field("collected", boolArray),
                new Schema.Field("last_type", intArray),
                new Schema.Field("last_completion", floatArray),
                new Schema.Field("recency_bucket", intArray),
                new Schema.Field("mask", boolArray));
        return Schema.createRecord("TrainingExample", "A point-in-time training example of the recall model.",
                "dev.listenseq.examples", false, fields);
    }
}
