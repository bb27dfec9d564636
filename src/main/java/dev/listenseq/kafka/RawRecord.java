package dev.listenseq.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.Arrays;
import java.util.Objects;

/**
 * An input record exactly as it was read: bytes and provenance, nothing decoded yet. The source
 * emits these so that no input can make the source fail; decoding happens downstream, where a bad
 * record becomes a dead letter. A Flink POJO (public fields, no-arg constructor): no Kryo.
 */
public class RawRecord {

    public String topic;
    public int partition;
    public long offset;
    /** Kafka record timestamp (CreateTime: when the producer sent it). */
    public long timestamp;
    public byte[] key;
    public byte[] value;

    public RawRecord() {
    }

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }

    public static RawRecord of(ConsumerRecord<byte[], byte[]> record) {
        return new RawRecord(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), record.value());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RawRecord)) {
            return false;
        }
        RawRecord r = (RawRecord) o;
        return partition == r.partition && offset == r.offset && timestamp == r.timestamp
                && Objects.equals(topic, r.topic) && Arrays.equals(key, r.key) && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset);
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
