package dev.listenseq.kafka;

import dev.listenseq.avro.DeadLetter;
import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.codec.SingleObjectCodec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DLQ sink never writes a record over its topic's limit, whatever the dead letter holds. */
class DeadLetterFitTest {

    private final SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.of(DeadLetter.class);

    private static DeadLetter letter(int keyBytes, int valueBytes) {
        return DeadLetter.newBuilder().setReason(DeadLetterReason.UNDECODABLE).setDetail("bad")
                .setSourceTopic("in").setSourcePartition(0).setSourceOffset(7).setSourceTimestamp(Instant.EPOCH)
                .setKey(ByteBuffer.wrap(new byte[keyBytes])).setValue(ByteBuffer.wrap(new byte[valueBytes]))
                .setKeySize(keyBytes).setValueSize(valueBytes).setDeadLetteredAt(Instant.EPOCH).build();
    }

    @Test
    void aLetterThatFitsIsWrittenAsItIs() {
        DeadLetter small = letter(10, 100);
        KafkaConnectors.DeadLetterSerializer.Fitted fitted = KafkaConnectors.DeadLetterSerializer.fit(small, 10_000, codec);
        assertSame(small, fitted.letter());
        assertEquals(codec.encode(small).length, fitted.value().length);
    }

    @Test
    void theValueIsCutFirstThenTheKeyUntilTheRecordFits() {
        DeadLetter big = letter(3000, 60_000);
        KafkaConnectors.DeadLetterSerializer.Fitted fitted = KafkaConnectors.DeadLetterSerializer.fit(big, 20_000, codec);
        DeadLetter cut = fitted.letter();
        assertTrue(fitted.value().length + cut.getKey().remaining() <= 20_000);
        assertTrue(cut.getValueTruncated());
        assertFalse(cut.getKeyTruncated());
        assertEquals(60_000, cut.getValueSize(), "the original size stays");
        assertEquals(60_000, big.getValue().remaining(), "the input is not changed");

        DeadLetter keyHeavy = letter(30_000, 5000);
        fitted = KafkaConnectors.DeadLetterSerializer.fit(keyHeavy, 20_000, codec);
        cut = fitted.letter();
        assertTrue(fitted.value().length + cut.getKey().remaining() <= 20_000);
        assertEquals(0, cut.getValue().remaining());
        assertTrue(cut.getKeyTruncated());
        assertEquals(30_000, cut.getKeySize());
    }
}
