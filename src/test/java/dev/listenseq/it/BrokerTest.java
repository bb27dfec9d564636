package dev.listenseq.it;

import dev.listenseq.embedded.EmbeddedKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Integration tests extend this to get a fresh in-process Kafka broker per test class. */
abstract class BrokerTest {

    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(null);
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }
}
