package dev.listenseq.reader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Snapshots as JSON: one object per record with the schema's field names (snake_case), timestamps
 * as ISO-8601 UTC strings, enums by name. Walks the schema, so fields added by a new schema version
 * appear without a code change.
 */
public final class SnapshotJson {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private SnapshotJson() {
    }

    public static ObjectNode toJson(IndexedRecord record) {
        ObjectNode node = NODES.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            node.set(field.name(), value(record.get(field.pos())));
        }
        return node;
    }

    /** One line of compact JSON. */
    public static String line(IndexedRecord record) {
        return toJson(record).toString();
    }

    private static JsonNode value(Object v) {
        if (v == null) {
            return NODES.nullNode();
        } else if (v instanceof IndexedRecord r) {
            return toJson(r);
        } else if (v instanceof Instant i) {
            return NODES.textNode(i.toString());
        } else if (v instanceof CharSequence || v instanceof Enum<?>) {
            return NODES.textNode(v.toString());
        } else if (v instanceof Integer i) {
            return NODES.numberNode(i);
        } else if (v instanceof Long l) {
            return NODES.numberNode(l);
        } else if (v instanceof Double d) {
            return NODES.numberNode(d);
        } else if (v instanceof Float f) {
            return NODES.numberNode(f);
        } else if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        } else if (v instanceof List<?> list) {
            ArrayNode array = NODES.arrayNode();
            list.forEach(item -> array.add(value(item)));
            return array;
        } else if (v instanceof Map<?, ?> map) {
            ObjectNode object = NODES.objectNode();
            map.forEach((k, item) -> object.set(k.toString(), value(item)));
            return object;
        } else if (v instanceof ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
        }
        return NODES.textNode(v.toString());
    }
}
