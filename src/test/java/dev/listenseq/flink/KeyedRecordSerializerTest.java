package dev.listenseq.flink;

import dev.listenseq.kafka.RawRecord;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;

class KeyedRecordSerializerTest {

    @Test
    void flinkPicksTheHandWrittenSerializerForKeyedRecords() {
        TypeSerializer<KeyedRecord> serializer =
                TypeInformation.of(KeyedRecord.class).createSerializer(new SerializerConfigImpl());
        assertInstanceOf(KeyedRecordSerializer.class, serializer);
    }

    @Test
    void roundTripsRecordsWithAndWithoutAKey() throws Exception {
        KeyedRecordSerializer serializer = new KeyedRecordSerializer();
        for (byte[] key : new byte[][] {null, {}, "user-é".getBytes(StandardCharsets.UTF_8)}) {
            KeyedRecord in = new KeyedRecord("user-é", new RawRecord("listen-events", 3, 1L << 40, -5, key, new byte[] {1, 2, 3}));
            DataOutputSerializer out = new DataOutputSerializer(64);
            serializer.serialize(in, out);
            KeyedRecord back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertEquals(in.userId, back.userId);
            assertEquals(in.record, back.record);
            KeyedRecord copy = serializer.copy(in);
            assertEquals(in.record, copy.record);
            assertNotSame(in.record.value, copy.record.value);
        }
    }
}
