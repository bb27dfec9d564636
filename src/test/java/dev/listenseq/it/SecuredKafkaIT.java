package dev.listenseq.it;

import dev.listenseq.app.BackfillCommand;
import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.JobParts;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.config.StartupException;
import dev.listenseq.embedded.EmbeddedKafka;
import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.kafka.OffsetRange;
import dev.listenseq.kafka.TopicAdmin;
import dev.listenseq.reader.ReaderCommands;
import dev.listenseq.reader.ReaderConfig;
import dev.listenseq.reader.ReaderServer;
import dev.listenseq.reader.SequenceReader;
import dev.listenseq.reader.SnapshotJson;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything against a broker that requires TLS and a SCRAM-SHA-512 login, as production clusters
 * do: topic creation, the streaming job (a bounded run), a backfill, and the reader (get, serve),
 * with the credentials passed as documented: kafka.client.* keys whose secret values are
 * ${file:...} references. No secret appears in any log line of the run, and a wrong password stops
 * each part at once with a message naming the keys to check.
 */
class SecuredKafkaIT {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestKafka.miniCluster();

    private static final String USER = "listenseq";
    private static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    static Path dir;

    private static EmbeddedKafka kafka;
    private static String password;
    private static String truststorePassword;
    private static String keystorePassword;
    private static TestTls.Stores stores;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        password = "pw-" + UUID.randomUUID();
        truststorePassword = "trust-" + UUID.randomUUID();
        keystorePassword = "key-" + UUID.randomUUID();
        stores = TestTls.generate(dir, keystorePassword, truststorePassword);
        kafka = EmbeddedKafka.start(null, new EmbeddedKafka.SecureListener(stores.keystore(), keystorePassword));
        kafka.addScramUser(USER, password);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        kafka.close();
    }

    /** The kafka.client.* settings of the documented worked example, secrets in files. */
    private static Map<String, String> securedClient(String loginPassword) throws Exception {
        Path jaas = Files.createTempFile(dir, "jaas", ".conf");
        Files.writeString(jaas, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
                + "\" password=\"" + loginPassword + "\";\n");
        Path trustPassword = Files.createTempFile(dir, "truststore", ".password");
        Files.writeString(trustPassword, truststorePassword + "\n");
        Map<String, String> values = new HashMap<>();
        values.put("kafka.bootstrap-servers", kafka.secureBootstrapServers());
        values.put("kafka.client.security.protocol", "SASL_SSL");
        values.put("kafka.client.sasl.mechanism", EmbeddedKafka.SCRAM_MECHANISM);
        values.put("kafka.client.sasl.jaas.config", "${file:" + jaas + "}");
        values.put("kafka.client.ssl.truststore.location", stores.truststore().toString());
        values.put("kafka.client.ssl.truststore.type", "PKCS12");
        values.put("kafka.client.ssl.truststore.password", "${file:" + trustPassword + "}");
        return values;
    }

    private static Map<String, String> job(String prefix, Map<String, String> client) throws Exception {
        Map<String, String> values = TestKafka.jobValues(prefix, 2);
        values.putAll(client);
        return values;
    }

    /** Settings as --key value arguments, the way a reader command gets them. */
    private static List<String> arguments(Map<String, String> values, String... keys) {
        List<String> args = new ArrayList<>();
        for (String key : keys) {
            args.add("--" + key);
            args.add(values.get(key));
        }
        values.keySet().stream().filter(k -> k.startsWith(ConfigKeys.KAFKA_CLIENT_PREFIX)).sorted().forEach(k -> {
            args.add("--" + k);
            args.add(values.get(k));
        });
        return args;
    }

    @Test
    void topicsTheJobABackfillAndTheReaderWorkOverSaslSslAndNoSecretIsLogged() throws Exception {
        try (LogCapture logs = LogCapture.open()) {
            Map<String, String> values = job("sec", securedClient(password));
            Settings settings = Settings.of(values);
            JobConfig config = JobConfig.from(settings);

            TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config));
            Properties admin = JobParts.kafka(config).properties();
            try (Admin client = Admin.create(admin)) {
                assertTrue(client.listTopics().names().get(1, TimeUnit.MINUTES).containsAll(
                        List.of("sec-in", "sec-out", "sec-dlq", "sec-late")), "topics created over SASL_SSL");
            }

            int events = 200;
            produce(config, events);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.toFlink(config));
            KafkaJob.live(env, config, true);
            JobClient stream = env.executeAsync(config.jobName());
            stream.getJobExecutionResult().get(WAIT.toMinutes(), TimeUnit.MINUTES);

            String someone;
            try (SequenceReader reader = SequenceReader.start(ReaderConfig.from(settings))) {
                assertTrue(reader.awaitCaughtUp(WAIT), "the reader catches up over SASL_SSL");
                assertTrue(reader.stats().users() >= 5, "snapshots written by the job: " + reader.stats());
                assertEquals(0, reader.stats().skipped());
                someone = firstUser(config);
                UserSequence snapshot = reader.get(someone).orElseThrow();

                Path token = dir.resolve("http-token");
                Files.writeString(token, "token-" + UUID.randomUUID() + "\n");
                Map<String, String> serving = new HashMap<>(values);
                serving.put("reader.http-port", "0");
                serving.put("reader.http-token", "${file:" + token + "}");
                try (ReaderServer server = ReaderServer.start(reader, ReaderServer.Options.from(Settings.of(serving)))) {
                    HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + server.port() + "/users/" + someone + "/sequence"))
                                    .header("Authorization", "Bearer " + Files.readString(token).trim()).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, served.statusCode());
                    assertEquals(SnapshotJson.line(snapshot), served.body());
                }

                Run get = reader("get", List.of(someone, "--json"), arguments(values, "kafka.bootstrap-servers", "topics.output"));
                assertEquals(0, get.exitCode(), get.err());
                assertEquals(SnapshotJson.line(snapshot) + "\n", get.out());
            }

            Map<String, String> backfillValues = job("secbf", securedClient(password));
            backfillValues.put("topics.input", "sec-in");
            JobConfig backfill = JobConfig.from(Settings.of(backfillValues));
            BackfillCommand.Result result = BackfillCommand.run(backfill, new CountDownLatch(1));
            assertEquals(events, result.counters().recordsIn(), "the backfill read every event over SASL_SSL");
            try (SequenceReader reader = SequenceReader.start(ReaderConfig.from(Settings.of(backfillValues)))) {
                assertTrue(reader.awaitCaughtUp(WAIT));
                assertTrue(reader.get(someone).isPresent(), "the backfill wrote the same users' snapshots");
            }

            // Nothing handed to Flink's configuration carries a Kafka setting, so Flink cannot log one.
            String flinkConfiguration = FlinkSettings.toFlink(config).toMap().toString();
            for (String secret : List.of(password, truststorePassword)) {
                assertFalse(flinkConfiguration.contains(secret), "a secret in Flink's configuration");
            }
            List<String> lines = logs.lines();
            assertTrue(lines.stream().anyMatch(l -> l.contains("sasl.jaas.config = [hidden]")),
                    "the capture must see the Kafka clients' configuration dumps, or it proves nothing");
            for (String secret : List.of(password, truststorePassword, keystorePassword)) {
                List<String> leaks = lines.stream().filter(l -> l.contains(secret)).toList();
                assertEquals(List.of(), leaks, "log lines with a secret in them");
            }
        }
    }

    @Test
    void aWrongPasswordStopsEveryPartAtOnceNamingWhatToCheck() throws Exception {
        Map<String, String> values = job("wrong", securedClient("not-the-password"));
        JobConfig config = JobConfig.from(Settings.of(values));
        String expected = "Kafka at " + kafka.secureBootstrapServers() + " refused the login (";
        String keys = "check the user name and password in kafka.client.sasl.jaas.config";

        StartupException topics = assertThrows(StartupException.class,
                () -> assertTimeoutPreemptively(WAIT, () -> TopicAdmin.ensureTopics(JobParts.kafka(config), JobParts.topics(config))));
        assertTrue(topics.getMessage().startsWith("cannot check or create topics: " + expected), topics.getMessage());
        assertTrue(topics.getMessage().contains(keys), topics.getMessage());

        StartupException offsets = assertThrows(StartupException.class,
                () -> assertTimeoutPreemptively(WAIT, () -> OffsetRange.resolve(JobParts.kafka(config), JobParts.topics(config), config.backfill().from(), config.backfill().to())));
        assertTrue(offsets.getMessage().contains(expected) && offsets.getMessage().contains(keys), offsets.getMessage());

        Run get = assertTimeoutPreemptively(WAIT,
                () -> reader("get", List.of("anyone"), arguments(values, "kafka.bootstrap-servers", "topics.output")));
        assertEquals(1, get.exitCode());
        assertTrue(get.err().startsWith("error: cannot read topic wrong-out: " + expected), get.err());
        assertTrue(get.err().contains(keys), get.err());
        assertEquals(1, get.err().lines().count(), "one line, no stack trace: " + get.err());
        assertFalse(get.err().contains("not-the-password"), get.err());
    }

    private static void produce(JobConfig config, int n) throws Exception {
        Properties props = JobParts.kafka(config).properties();
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("acks", "all");
        AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 86_400_000);
        ListeningGenerator generator = new ListeningGenerator(
                new ListeningGenerator.Params(20, 100, 7, 0, 0, 0), () -> clock.addAndGet(5_000));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < n; i++) {
                ListeningGenerator.Generated g = generator.next();
                producer.send(new ProducerRecord<>(config.topics().input(), ListeningGenerator.keyBytes(g.key()), g.value()));
            }
            producer.flush();
        }
    }

    /** A user with a snapshot, read over the plaintext listener (the secured one is what is under test). */
    private static String firstUser(JobConfig config) throws Exception {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        return codec.decode(TestKafka.readAll(kafka, config.topics().output()).get(0).value()).getUserId();
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run reader(String command, List<String> words, List<String> settings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(words);
        args.addAll(settings);
        int code = ReaderCommands.run(command, args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }


    /**
     * Every log event at INFO and above while open (loggers configured quieter stay so), message and
     * stack trace as text; closing restores the configuration from its file.
     */
    private static final class LogCapture extends AbstractAppender implements AutoCloseable {
        private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        private LogCapture() {
            super("secret-capture", null, null, true, Property.EMPTY_ARRAY);
        }

        static LogCapture open() {
            LogCapture capture = new LogCapture();
            capture.attach();
            return capture;
        }

        private void attach() {
            start();
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            Configuration configuration = context.getConfiguration();
            for (LoggerConfig logger : allLoggers(configuration)) {
                logger.addAppender(this, Level.INFO, null);
            }
            // Everything without a logger of its own (the Kafka clients' configuration dumps among it) down to
            // INFO for the capture, while the console keeps showing WARN and above only.
            LoggerConfig root = configuration.getRootLogger();
            root.setLevel(Level.INFO);
            Appender console = root.getAppenders().get("console");
            if (console != null) {
                root.removeAppender("console");
                root.addAppender(console, Level.WARN, null);
            }
            context.updateLoggers();
        }

        private static List<LoggerConfig> allLoggers(Configuration configuration) {
            List<LoggerConfig> loggers = new ArrayList<>(configuration.getLoggers().values());
            loggers.add(configuration.getRootLogger());
            return loggers;
        }

        @Override
        public void append(LogEvent event) {
            StringWriter text = new StringWriter();
            text.append(event.getLoggerName()).append(": ").append(event.getMessage().getFormattedMessage());
            if (event.getThrown() != null) {
                event.getThrown().printStackTrace(new PrintWriter(text));
            }
            events.add(text.toString());
        }

        List<String> lines() {
            return new ArrayList<>(events);
        }

        @Override
        public void close() {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            context.reconfigure();
            stop();
        }
    }
}
