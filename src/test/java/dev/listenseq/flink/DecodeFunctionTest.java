package dev.listenseq.flink;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.sequence.ValidationRules;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decode-and-validate operator: valid events go on keyed by user, anything else becomes a dead letter. */
class DecodeFunctionTest {

    private static final long TIME = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();

    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);

    private static RawRecord record(long offset, String key, byte[] value) {
        return new RawRecord("listen-events", 3, offset, TIME, key.getBytes(StandardCharsets.UTF_8), value);
    }

    private byte[] event(String id, String user, String song) {
        return codec.encode(new ListenEvent(id, user, song, null, ListenType.PLAY, Instant.ofEpochMilli(TIME),
                60_000L, 180_000L, null));
    }

    private static OneInputStreamOperatorTestHarness<RawRecord, KeyedRecord> harness() throws Exception {
        OneInputStreamOperatorTestHarness<RawRecord, KeyedRecord> h =
                ProcessFunctionTestHarnesses.forProcessFunction(new DecodeFunction(ValidationRules.defaults()));
        // The events happen at TIME; a harness clock at 0 would make them far-future dead letters.
        h.setProcessingTime(TIME);
        return h;
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<RawRecord, KeyedRecord> h) {
        var side = h.getSideOutput(DecodeFunction.DEAD_LETTERS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    @Test
    void aValidEventGoesOnKeyedByItsUserWithTheRecordUntouched() throws Exception {
        try (var h = harness()) {
            RawRecord in = record(7, "alice", event("e1", "alice", "song-a"));
            h.processElement(in, TIME);
            List<KeyedRecord> out = h.extractOutputValues();
            assertEquals(1, out.size());
            assertEquals("alice", out.get(0).userId);
            assertEquals(in, out.get(0).record, "the raw record travels on, so a late event leaves byte for byte");
            assertEquals(List.of(), deadLetters(h));
        }
    }

    @Test
    void undecodableAndInvalidRecordsBecomeDeadLettersWithReasonAndProvenance() throws Exception {
        byte[] foreign = event("e2", "bob", "song-a");
        foreign[5] ^= 0x11;
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        try (var h = harness()) {
            h.processElement(record(10, "bob", garbage), TIME);
            h.processElement(record(11, "bob", foreign), TIME);
            h.processElement(record(12, "bob", event("e3", "bob", "s".repeat(129))), TIME);
            h.processElement(record(13, "bob", event("e4", "bob", "song-a")), TIME);

            assertEquals(List.of("bob"), h.extractOutputValues().stream().map(r -> r.userId).toList(),
                    "the good record after the bad ones still goes on");
            List<DeadLetter> letters = deadLetters(h);
            assertEquals(List.of(DeadLetterReason.UNDECODABLE, DeadLetterReason.UNKNOWN_SCHEMA, DeadLetterReason.INVALID_ID),
                    letters.stream().map(DeadLetter::getReason).toList());
            assertEquals(List.of(10L, 11L, 12L), letters.stream().map(DeadLetter::getSourceOffset).toList());
            DeadLetter first = letters.get(0);
            assertEquals("listen-events", first.getSourceTopic());
            assertEquals(3, first.getSourcePartition());
            assertEquals(Instant.ofEpochMilli(TIME), first.getSourceTimestamp());
            assertNotNull(first.getValue());
            byte[] kept = new byte[first.getValue().remaining()];
            first.getValue().duplicate().get(kept);
            assertArrayEquals(garbage, kept, "the original bytes are kept for a replay once the producer is fixed");
            assertTrue(letters.get(2).getDetail().contains("song_id is 129 chars; the limit is 128 (ids.max-length)"),
                    letters.get(2).getDetail());
        }
    }
}
