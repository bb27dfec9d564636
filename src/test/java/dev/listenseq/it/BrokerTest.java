package dev.listenseq.it;

import dev.listenseq.embedded.EmbeddedKafka;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Integration tests extend this to get the in-process Kafka broker in {@link #kafka}: one broker for
 * every such class of the test JVM, started by the first and closed when the whole run ends (a start
 * and stop costs seconds, paid once instead of per class). Sharing is safe because each class names its
 * topics, job names and consumer groups after its own prefix and never lists or deletes what it did not
 * make. A class that stops, restarts or configures the broker starts its own in a {@code @BeforeAll}
 * (which runs after this assignment), assigns it to {@link #kafka} and closes it in its {@code @AfterAll}.
 */
@ExtendWith(BrokerTest.SharedBroker.class)
abstract class BrokerTest {

    static EmbeddedKafka kafka;

    /** Puts the shared broker in {@link #kafka}, starting it on first use; the root store closes it at the end. */
    static final class SharedBroker implements BeforeAllCallback {

        @Override
        public void beforeAll(ExtensionContext context) {
            kafka = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .getOrComputeIfAbsent(SharedBroker.class, key -> start(), EmbeddedKafka.class);
        }

        private static EmbeddedKafka start() {
            try {
                return EmbeddedKafka.start(null);
            } catch (Exception e) {
                throw new IllegalStateException("the shared in-process Kafka broker did not start", e);
            }
        }
    }
}
