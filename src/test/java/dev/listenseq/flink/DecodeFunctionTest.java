package dev.listenseq.flink;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.kafka.RawRecord;
import dev.listenseq.sequence.ValidationRules;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the decode step lets through and what its dead letters hold, on Flink's operator harness. */
class DecodeFunctionTest {

    private static final long WRITTEN = Instant.parse("2021-03-01T10:00:00Z").toEpochMilli();
    private static final int COPY = 1000;
    private static final int MAX_RECORD = 20_000;

    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
    private OneInputStreamOperatorTestHarness<RawRecord, KeyedRecord> harness;
    private long offset;

    @BeforeEach
    void open() throws Exception {
        DecodeFunction decode = new DecodeFunction(new RecordCheck(ValidationRules.defaults(), MAX_RECORD), COPY);
        harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(decode));
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private ListenEvent event(String user, long eventTime) {
        return new ListenEvent("e-" + offset, user, "s1", null, ListenType.PLAY, Instant.ofEpochMilli(eventTime), 1000L, 2000L, "radio", null, null);
    }

    private void send(byte[] key, byte[] value, long timestamp) throws Exception {
        harness.processElement(new StreamRecord<>(new RawRecord("in", 0, offset++, timestamp, key, value)));
    }

    private List<DeadLetter> deadLetters() {
        var side = harness.getSideOutput(DecodeFunction.DEAD_LETTERS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void aHugeKeyBecomesASmallDeadLetterThatSaysWhatWasCut() throws Exception {
        byte[] key = new byte[700 * 1024];
        new Random(1).nextBytes(key);
        byte[] value = new byte[16];
        new Random(2).nextBytes(value);
        send(key, value, WRITTEN);

        DeadLetter letter = deadLetters().get(0);
        assertEquals(DeadLetterReason.INVALID_KEY, letter.getReason());
        assertEquals(COPY, letter.getKey().remaining());
        assertArrayEquals(Arrays.copyOf(key, COPY), bytes(letter.getKey()));
        assertTrue(letter.getKeyTruncated());
        assertEquals(key.length, letter.getKeySize());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(key), bytes(letter.getKeySha256()));
        assertArrayEquals(value, bytes(letter.getValue()), "a value under the cap is copied whole");
        assertFalse(letter.getValueTruncated());
        assertEquals(16, letter.getValueSize());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(value), bytes(letter.getValueSha256()));
        assertTrue(harness.extractOutputValues().isEmpty());
    }

    @Test
    void aTombstoneKeepsNullSizesAndHashes() throws Exception {
        send(null, null, WRITTEN);
        DeadLetter letter = deadLetters().get(0);
        assertEquals(DeadLetterReason.EMPTY_VALUE, letter.getReason());
        assertNull(letter.getKeySize());
        assertNull(letter.getValueSize());
        assertNull(letter.getValueSha256());
    }

    @Test
    void aRecordTooLargeForALateCopyIsDeadLetteredBeforeDecoding() throws Exception {
        byte[] value = new byte[MAX_RECORD + 1];
        send("u1".getBytes(StandardCharsets.UTF_8), value, WRITTEN);
        DeadLetter letter = deadLetters().get(0);
        assertEquals(DeadLetterReason.RECORD_TOO_LARGE, letter.getReason());
        assertTrue(letter.getDetail().contains(MAX_RECORD + 3 + " bytes"), letter.getDetail());
        assertEquals(COPY, letter.getValue().remaining());
        assertTrue(letter.getValueTruncated());
        assertEquals(MAX_RECORD + 1, letter.getValueSize());
    }

    @Test
    void contextAndKeyAreCheckedLikeIds() throws Exception {
        ListenEvent longContext = event("u1", WRITTEN - 1000);
        longContext.setContext("c".repeat(129));
        send("u1".getBytes(StandardCharsets.UTF_8), codec.encode(longContext), WRITTEN);
        send("k".repeat(129).getBytes(StandardCharsets.UTF_8), codec.encode(event("u1", WRITTEN - 1000)), WRITTEN);
        assertEquals(List.of(DeadLetterReason.INVALID_CONTEXT, DeadLetterReason.INVALID_KEY),
                deadLetters().stream().map(DeadLetter::getReason).toList());
    }

    @Test
    void aKeyOtherThanTheUserIdIsAcceptedAndTheEventKeyedByItsUser() throws Exception {
        send("device-7".getBytes(StandardCharsets.UTF_8), codec.encode(event("u1", WRITTEN - 1000)), WRITTEN);
        send(null, codec.encode(event("u2", WRITTEN - 1000)), WRITTEN);
        assertEquals(List.of("u1", "u2"), harness.extractOutputValues().stream().map(r -> r.userId).toList());
        assertTrue(deadLetters().isEmpty());
    }

    @Test
    void theFutureCheckDecidesFromTheRecordWhateverTheClockSays() throws Exception {
        // Written in 2021; processed now, years later, and at any other time: the same decision.
        for (long now : new long[] {0, WRITTEN, System.currentTimeMillis(), Long.MAX_VALUE / 2}) {
            harness.setProcessingTime(now);
            send(null, codec.encode(event("u1", WRITTEN + 3_600_000)), WRITTEN);
            send(null, codec.encode(event("u1", WRITTEN + 3_600_001)), WRITTEN);
        }
        assertEquals(4, harness.extractOutputValues().size());
        assertEquals(4, deadLetters().size());
        deadLetters().forEach(l -> assertEquals(DeadLetterReason.FUTURE_TIMESTAMP, l.getReason()));
    }

    @Test
    void aValidEventGoesOnKeyedByItsUserWithTheRawRecordIntact() throws Exception {
        byte[] value = codec.encode(event("alice", WRITTEN - 1000));
        send("alice".getBytes(StandardCharsets.UTF_8), value, WRITTEN);
        List<KeyedRecord> out = harness.extractOutputValues();
        assertEquals(1, out.size());
        assertEquals("alice", out.get(0).userId);
        assertArrayEquals(value, out.get(0).record.value, "the raw bytes travel on, so a late event leaves byte for byte");
        assertTrue(deadLetters().isEmpty());
    }

    @Test
    void undecodableAndInvalidRecordsBecomeDeadLettersWithReasonAndProvenance() throws Exception {
        byte[] foreign = codec.encode(event("bob", WRITTEN - 1000));
        foreign[5] ^= 0x11;
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        ListenEvent longSong = event("bob", WRITTEN - 1000);
        longSong.setSongId("s".repeat(129));
        byte[] key = "bob".getBytes(StandardCharsets.UTF_8);
        send(key, garbage, WRITTEN);
        send(key, foreign, WRITTEN);
        send(key, codec.encode(longSong), WRITTEN);
        send(key, codec.encode(event("bob", WRITTEN - 1000)), WRITTEN);

        assertEquals(List.of("bob"), harness.extractOutputValues().stream().map(r -> r.userId).toList(),
                "the good record after the bad ones still goes on");
        List<DeadLetter> letters = deadLetters();
        assertEquals(List.of(DeadLetterReason.UNDECODABLE, DeadLetterReason.UNKNOWN_SCHEMA, DeadLetterReason.INVALID_ID),
                letters.stream().map(DeadLetter::getReason).toList());
        assertEquals(List.of(0L, 1L, 2L), letters.stream().map(DeadLetter::getSourceOffset).toList());
        assertEquals("in", letters.get(0).getSourceTopic());
        assertEquals(Instant.ofEpochMilli(WRITTEN), letters.get(0).getSourceTimestamp());
        assertArrayEquals(garbage, bytes(letters.get(0).getValue()), "the original bytes are kept for a replay");
        assertTrue(letters.get(2).getDetail().contains("song_id is 129 chars; the limit is 128 (ids.max-length)"),
                letters.get(2).getDetail());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
