package dev.listenseq.config;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

import java.util.Optional;

/**
 * Plain advice for a Kafka client that could not log in or was refused: which keys to check. A
 * rejected login is final (retrying the same credentials cannot succeed), so callers stop at once with
 * this sentence instead of waiting out a timeout. The broker's message names no secret, and none is
 * added here.
 */
public final class KafkaLogin {

    private KafkaLogin() {
    }

    /** A sentence saying what went wrong and what to check, when the failure (or a cause of it) is about security. */
    public static Optional<String> advice(Throwable failure, String bootstrapServers) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SslAuthenticationException) {
                return Optional.of("the TLS handshake with Kafka at " + bootstrapServers + " failed (" + t.getMessage()
                        + "); check kafka.client.ssl.truststore.location, kafka.client.ssl.truststore.password and"
                        + " kafka.client.ssl.truststore.type (they must trust the broker's certificate), and that"
                        + " kafka.client.security.protocol matches the broker's listener");
            }
            if (t instanceof AuthenticationException) {
                return Optional.of("Kafka at " + bootstrapServers + " refused the login (" + t.getMessage()
                        + "); check the user name and password in kafka.client.sasl.jaas.config, and"
                        + " kafka.client.sasl.mechanism (e.g. SCRAM-SHA-512) and kafka.client.security.protocol");
            }
            if (t instanceof AuthorizationException) {
                return Optional.of("Kafka at " + bootstrapServers + " denied access (" + t.getMessage()
                        + "); the user in kafka.client.sasl.jaas.config needs ACLs for the topics (read, write,"
                        + " describe, create when topics.create=true), the consumer group and, exactly-once,"
                        + " the transactional ids");
            }
        }
        return Optional.empty();
    }
}
