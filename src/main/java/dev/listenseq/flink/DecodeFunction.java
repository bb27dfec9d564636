package dev.listenseq.flink;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.kafka.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Decodes and validates each input record ({@link RecordCheck}). Valid events continue, keyed by
 * user; anything else becomes a {@link DeadLetter} on the {@link #DEAD_LETTERS} side output with its
 * reason, detail, provenance, the original key's and value's sizes and SHA-256, and at most
 * {@code maxCopyBytes} of each (flagged when cut), so a dead letter stays small whatever the input.
 * Nothing here throws on bad input, so bad input never restarts the job. A tombstone (null value)
 * keyed by a user_id is a deletion request: it continues, keyed by that user, with its null value,
 * and the sequence builder erases the user.
 *
 * <p>A key that is not the event's user_id is accepted and counted ({@value #KEY_NOT_USER_ID}): the
 * job keys by the event's user_id, so its state never depends on the Kafka key.
 */
public class DecodeFunction extends ProcessFunction<RawRecord, KeyedRecord> {

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    /** Valid events whose Kafka key is absent or differs from their user_id. */
    public static final String KEY_NOT_USER_ID = "keyNotUserId";

    private final RecordCheck check;
    private final int maxCopyBytes;

    private transient MessageDigest sha256;
    private transient Counter recordsIn;
    private transient Counter keyNotUserId;
    private transient Map<DeadLetterReason, Counter> deadLettered;

    /** {@code maxCopyBytes}: how much of the original key, and of the value, a dead letter copies (dlq.max-copy-bytes). */
    public DecodeFunction(RecordCheck check, int maxCopyBytes) {
        this.check = check;
        this.maxCopyBytes = maxCopyBytes;
    }

    @Override
    public void open(OpenContext openContext) throws NoSuchAlgorithmException {
        sha256 = MessageDigest.getInstance("SHA-256");
        MetricGroup metrics = JobMetrics.group(getRuntimeContext().getMetricGroup());
        recordsIn = metrics.counter(JobMetrics.RECORDS_IN);
        keyNotUserId = metrics.counter(KEY_NOT_USER_ID);
        deadLettered = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLettered.put(reason, metrics.addGroup(JobMetrics.REASON, reason.name()).counter(JobMetrics.DEAD_LETTERED));
        }
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<KeyedRecord> out) {
        recordsIn.inc();
        RecordCheck.Result result = check.check(record);
        if (!result.ok()) {
            deadLettered.get(result.rejection().reason()).inc();
            ctx.output(DEAD_LETTERS, deadLetter(record, result.rejection().reason(), result.rejection().detail(),
                    ctx.timerService().currentProcessingTime()));
            return;
        }
        if (result.erasure()) {
            out.collect(new KeyedRecord(result.erasedUser(), record));
            return;
        }
        String userId = result.event().getUserId();
        if (record.key == null || !Arrays.equals(record.key, userId.getBytes(StandardCharsets.UTF_8))) {
            keyNotUserId.inc();
        }
        out.collect(new KeyedRecord(userId, record));
    }

    private DeadLetter deadLetter(RawRecord record, DeadLetterReason reason, String detail, long now) {
        byte[] key = record.key;
        byte[] value = record.value;
        return DeadLetter.newBuilder()
                .setReason(reason)
                .setDetail(detail)
                .setSourceTopic(record.topic)
                .setSourcePartition(record.partition)
                .setSourceOffset(record.offset)
                .setSourceTimestamp(Instant.ofEpochMilli(record.timestamp))
                .setKey(key == null ? null : ByteBuffer.wrap(key, 0, Math.min(key.length, maxCopyBytes)).slice())
                .setValue(value == null ? null : ByteBuffer.wrap(value, 0, Math.min(value.length, maxCopyBytes)).slice())
                .setDeadLetteredAt(Instant.ofEpochMilli(now))
                .setKeySize(key == null ? null : key.length)
                .setValueSize(value == null ? null : value.length)
                .setKeySha256(key == null ? null : ByteBuffer.wrap(sha256.digest(key)))
                .setValueSha256(value == null ? null : ByteBuffer.wrap(sha256.digest(value)))
                .setKeyTruncated(key != null && key.length > maxCopyBytes)
                .setValueTruncated(value != null && value.length > maxCopyBytes)
                .build();
    }
}
