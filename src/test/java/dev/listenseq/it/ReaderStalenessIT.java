package dev.listenseq.it;

import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.reader.ReaderConfig;
import dev.listenseq.reader.ReaderStats;
import dev.listenseq.reader.SequenceReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A caught-up reader stops saying it is ready when it loses the broker: it would serve old sequences silently. */
class ReaderStalenessIT {

    @Test
    void aReaderThatLostTheBrokerIsNotReady() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(null);
        ReaderConfig config = ReaderConfig.of(kafka.bootstrapServers(), "stale-out")
                .withStaleness(new ReaderConfig.Staleness(Duration.ofSeconds(3), 100_000, Duration.ofMinutes(1)));
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic("stale-out", 2, (short) 1))).all().get(1, TimeUnit.MINUTES);
        }
        try (SequenceReader reader = SequenceReader.start(config)) {
            assertTrue(reader.awaitCaughtUp(Duration.ofMinutes(2)));
            await(reader::isReady, reader);
            Thread.sleep(4_000);
            assertTrue(reader.isReady(), "an idle topic with the broker there stays ready: " + reader.stats());

            kafka.close();

            await(() -> !reader.isReady(), reader);
            ReaderStats stats = reader.stats();
            assertFalse(stats.ready());
            assertTrue(stats.notReady().startsWith("no answer from the broker for "), stats.notReady());
            assertTrue(stats.caughtUp(), "it had caught up; it is stale now, not catching up");
        }
    }

    private static void await(BooleanSupplier condition, SequenceReader reader) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met: " + reader.stats());
            Thread.sleep(200);
        }
    }
}
