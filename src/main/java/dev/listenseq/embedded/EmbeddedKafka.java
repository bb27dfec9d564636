package dev.listenseq.embedded;

import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka cluster (KRaft, broker and controller in one) inside this JVM, on a random
 * localhost port. For the demo and the tests; transactions work (replication factors are 1).
 *
 * <p>Optionally it also has a {@link SecureListener}: TLS with the given keystore and SCRAM-SHA-512
 * logins, as production clusters require. The plaintext listener stays for the broker's own traffic
 * and for creating SCRAM users ({@link #addScramUser}); clients under test use {@link #secureBootstrapServers()}.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The SASL mechanism of the secure listener. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    private static final String SECURE = "SECURE";

    /**
     * A SASL_SSL listener: the broker's TLS identity is the (PKCS12) keystore's one key, whose
     * certificate must name localhost; logins are SCRAM-SHA-512 users added with {@link #addScramUser}.
     */
    public record SecureListener(Path keystore, String keystorePassword) {
        @Override
        public String toString() {
            return "SecureListener[keystore=" + keystore + "]";
        }
    }

    private final KafkaClusterTestKit cluster;
    private final boolean secure;

    private EmbeddedKafka(KafkaClusterTestKit cluster, boolean secure) {
        this.cluster = cluster;
        this.secure = secure;
    }

    /** Starts a broker whose log lives under baseDir (null: a temporary folder removed on close). */
    public static EmbeddedKafka start(Path baseDir) throws Exception {
        return start(baseDir, null);
    }

    /** Starts a broker with a SASL_SSL listener besides the plaintext one (secure null: none). */
    public static EmbeddedKafka start(Path baseDir, SecureListener secure) throws Exception {
        return start(baseDir, secure, Map.of());
    }

    /**
     * Starts a broker with more broker settings, which win over this class's own (for example a log
     * cleaner that wakes up every 100 ms instead of every 15 s, for a test that waits for compaction).
     */
    public static EmbeddedKafka start(Path baseDir, SecureListener secure, Map<String, String> brokerSettings)
            throws Exception {
        // The kit's default bootstrap metadata is an unstable testing version; use production levels.
        Map<String, Short> features = new HashMap<>();
        for (Feature feature : Feature.PRODUCTION_FEATURES) {
            features.put(feature.featureName(), feature.latestProduction());
        }
        TestKitNodes.Builder nodes = new TestKitNodes.Builder(BootstrapMetadata.fromVersions(
                        MetadataVersion.latestProduction(), features, "embedded"))
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1);
        if (baseDir != null) {
            nodes.setBaseDirectory(baseDir);
        }
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build());
        if (secure != null) {
            // The kit fills in listeners only when absent, and hands its pre-bound sockets to the listeners it
            // knows (EXTERNAL, CONTROLLER) whatever port is written here; SECURE binds a free port of its own.
            String prefix = "listener.name." + SECURE.toLowerCase(Locale.ROOT) + ".";
            builder.setConfigProp("listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0," + SECURE + "://localhost:0")
                    .setConfigProp("listener.security.protocol.map",
                            "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT," + SECURE + ":SASL_SSL")
                    .setConfigProp(prefix + "sasl.enabled.mechanisms", SCRAM_MECHANISM)
                    .setConfigProp(prefix + SCRAM_MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                            "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                    .setConfigProp(prefix + "ssl.keystore.location", secure.keystore().toString())
                    .setConfigProp(prefix + "ssl.keystore.password", secure.keystorePassword())
                    .setConfigProp(prefix + "ssl.key.password", secure.keystorePassword())
                    .setConfigProp(prefix + "ssl.keystore.type", "PKCS12");
        }
        builder.setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false");
        brokerSettings.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.setDeleteOnClose(baseDir == null).build();
        PrintStream stdout = System.out;
        try {
            // The kit's storage formatter narrates to System.out; that is noise for the demo's view.
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                cluster.format();
            } finally {
                System.setOut(stdout);
            }
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new EmbeddedKafka(cluster, secure != null);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** host:port of the SASL_SSL listener. */
    public String secureBootstrapServers() {
        if (!secure) {
            throw new IllegalStateException("this broker was started without a secure listener");
        }
        BrokerServer broker = cluster.brokers().values().iterator().next();
        return "localhost:" + broker.boundPort(new ListenerName(SECURE));
    }

    /**
     * Creates (or changes the password of) a SCRAM-SHA-512 user, through the plaintext listener, and
     * returns once the broker has the credential (the secure listener would refuse it until then).
     */
    public void addScramUser(String user, String password) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (admin.describeUserScramCredentials(List.of(user)).all().get(60, TimeUnit.SECONDS).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the SCRAM credential of " + user + " did not appear within a minute");
                }
                Thread.sleep(50);
            }
        }
    }

    /** Stops the broker and starts it again on the same port and log (the controller keeps running). */
    public void restartBroker() throws Exception {
        stopBroker();
        startBroker();
    }

    /** Stops the broker (a controlled shutdown); its log stays, the controller keeps running. */
    public void stopBroker() {
        cluster.brokers().values().forEach(BrokerServer::shutdown);
    }

    /** Starts a broker stopped by {@link #stopBroker()} again, on its port and its log. */
    public void startBroker() throws Exception {
        for (BrokerServer broker : cluster.brokers().values()) {
            broker.startup();
        }
        cluster.waitForReadyBrokers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
