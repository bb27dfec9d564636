package dev.listenseq.flink;

import dev.listenseq.kafka.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A valid input record with the user it belongs to, sent across the keyBy. The original bytes
 * travel, not the decoded event: late events must reach the late topic byte for byte, and
 * shipping both forms would double the network cost. The keyed function decodes again.
 * {@link KeyedRecordSerializer} writes it on the wire.
 */
@TypeInfo(KeyedRecordSerializer.Factory.class)
public class KeyedRecord {

    public String userId;
    public RawRecord record;

    public KeyedRecord() {
    }

    public KeyedRecord(String userId, RawRecord record) {
        this.userId = userId;
        this.record = record;
    }
}
