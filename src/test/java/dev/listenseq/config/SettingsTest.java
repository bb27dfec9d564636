package dev.listenseq.config;

import dev.listenseq.config.ConfigKeys.Delivery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    @TempDir
    Path dir;

    private Path jobFile(String... lines) throws IOException {
        Path file = dir.resolve("job.properties");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private static ConfigException configError(org.junit.jupiter.api.function.Executable action) {
        return assertThrows(ConfigException.class, action);
    }

    // --- loading -----------------------------------------------------------------------------

    @Test
    void readsTheJobFileGivenWithJob() throws IOException {
        Path file = jobFile(
                "# a comment",
                "job.name = nightly-rebuild",
                "sequence.max-items=50",
                "  weights.half-life : 7d  ",
                "delivery.guarantee=at-least-once");

        Settings s = Settings.load("stream", List.of("--job", file.toString()));

        assertEquals("nightly-rebuild", s.get(ConfigKeys.JOB_NAME));
        assertEquals(50, s.get(ConfigKeys.MAX_ITEMS));
        assertEquals(Duration.ofDays(7), s.get(ConfigKeys.HALF_LIFE));
        assertEquals(Delivery.AT_LEAST_ONCE, s.get(ConfigKeys.DELIVERY));
        assertTrue(s.isSet(ConfigKeys.MAX_ITEMS));
        assertFalse(s.isSet(ConfigKeys.MAX_AGE));
        assertEquals(Duration.ofDays(90), s.get(ConfigKeys.MAX_AGE));
    }

    @Test
    void jobPathMayBeGivenWithEquals() throws IOException {
        Path file = jobFile("sequence.max-items=77");

        Settings s = Settings.load("stream", List.of("--job=" + file));

        assertEquals(77, s.get(ConfigKeys.MAX_ITEMS));
    }

    @Test
    void argumentsOverrideTheJobFileInBothForms() throws IOException {
        Path file = jobFile("sequence.max-items=50", "sequence.recent-events=5", "job.name=from-file");

        Settings s = Settings.load("stream", List.of(
                "--sequence.max-items", "60",
                "--job", file.toString(),
                "--sequence.recent-events=7"));

        assertEquals(60, s.get(ConfigKeys.MAX_ITEMS));
        assertEquals(7, s.get(ConfigKeys.RECENT_EVENTS));
        assertEquals("from-file", s.get(ConfigKeys.JOB_NAME));
    }

    @Test
    void theLaterOfTwoArgumentsWins() throws IOException {
        Path file = jobFile();

        Settings s = Settings.load("stream", List.of("--job", file.toString(),
                "--parallelism", "3", "--parallelism=5"));

        assertEquals(5, s.get(ConfigKeys.PARALLELISM));
    }

    @Test
    void equalsFormKeepsEverythingAfterTheFirstEquals() throws IOException {
        Path file = jobFile();

        Settings s = Settings.load("stream", List.of("--job", file.toString(),
                "--kafka.client.sasl.jaas.config=module required user=\"a\" pass=\"b=c\";"));

        assertEquals(Map.of("sasl.jaas.config", "module required user=\"a\" pass=\"b=c\";"),
                s.withPrefix(ConfigKeys.KAFKA_CLIENT_PREFIX));
    }

    @Test
    void aliasesMapToTheirKeys() throws IOException {
        Path file = jobFile();

        Settings s = Settings.load("demo", List.of("--job", file.toString(),
                "--bootstrap-servers", "broker-1:9093,broker-2:9093",
                "--users=42",
                "--events-per-second", "900",
                "--duration", "30s",
                "--seed", "-7",
                "--parallelism", "4",
                "--delivery", "at-least-once"));

        assertEquals("broker-1:9093,broker-2:9093", s.get(ConfigKeys.BOOTSTRAP_SERVERS));
        assertEquals(42, s.get(ConfigKeys.DEMO_USERS));
        assertEquals(900, s.get(ConfigKeys.DEMO_RATE));
        assertEquals(Duration.ofSeconds(30), s.get(ConfigKeys.DEMO_DURATION));
        assertEquals(-7L, s.get(ConfigKeys.DEMO_SEED));
        assertEquals(4, s.get(ConfigKeys.PARALLELISM));
        assertEquals(Delivery.AT_LEAST_ONCE, s.get(ConfigKeys.DELIVERY));
        assertTrue(s.isSet(ConfigKeys.BOOTSTRAP_SERVERS));
        assertTrue(s.isSet(ConfigKeys.DEMO_USERS));
    }

    @Test
    void aliasesOverrideTheFullKeyInTheJobFile() throws IOException {
        Path file = jobFile("kafka.bootstrap-servers=file-broker:9092", "demo.users=10");

        Settings s = Settings.load("demo", List.of("--job", file.toString(),
                "--bootstrap-servers", "arg-broker:9092", "--users", "20"));

        assertEquals("arg-broker:9092", s.get(ConfigKeys.BOOTSTRAP_SERVERS));
        assertEquals(20, s.get(ConfigKeys.DEMO_USERS));
    }

    @Test
    void anErrorInAnAliasedValueNamesTheFlagThatWasTyped() throws IOException {
        Path file = jobFile();
        ConfigException e = assertThrows(ConfigException.class,
                () -> Settings.load("demo", List.of("--job", file.toString(), "--users", "0")));
        assertTrue(e.getMessage().startsWith("demo.users is \"0\";"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(fix the --users argument)"), e.getMessage());
    }

    @Test
    void optionalKeysLeftUnsetAreEmptyOrNull() {
        Settings s = Settings.of(Map.of());

        assertEquals("", s.get(ConfigKeys.GROUP_ID));
        assertEquals(null, s.get(ConfigKeys.DEMO_DURATION));
        assertEquals(null, s.get(ConfigKeys.DEDUP_WINDOW));
    }

    @Test
    void withOverridesAndValidates() {
        Settings base = Settings.of(Map.of("sequence.max-items", "10"));

        Settings changed = base.with(Map.of("sequence.max-items", "11"));

        assertEquals(10, base.get(ConfigKeys.MAX_ITEMS));
        assertEquals(11, changed.get(ConfigKeys.MAX_ITEMS));
        ConfigException e = configError(() -> base.with(Map.of("sequence.max-items", "0")));
        assertEquals("sequence.max-items is \"0\"; it must be an integer from 1 to 10000 (fix it in the given settings)",
                e.getMessage());
    }

    @Test
    void passThroughPrefixesAreAcceptedAndExposedWithoutThePrefix() throws IOException {
        Path file = jobFile("kafka.client.security.protocol=SASL_SSL", "flink.rest.port=8082");

        Settings s = Settings.load("stream", List.of("--job", file.toString(),
                "--kafka.client.sasl.mechanism", "PLAIN", "--flink.taskmanager.numberOfTaskSlots=4"));

        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"),
                s.withPrefix(ConfigKeys.KAFKA_CLIENT_PREFIX));
        assertEquals(Map.of("rest.port", "8082", "taskmanager.numberOfTaskSlots", "4"),
                s.withPrefix(ConfigKeys.FLINK_PREFIX));
    }

    // --- unknown keys ------------------------------------------------------------------------

    @Test
    void unknownKeyFromAnArgumentSuggestsTheClosestKnownKey() throws IOException {
        Path file = jobFile();

        ConfigException e = configError(() -> Settings.load("stream",
                List.of("--job", file.toString(), "--kafka.bootstrap-server", "x:1")));

        assertEquals(1, e.problems().size());
        assertEquals("unknown key \"kafka.bootstrap-server\" (from --kafka.bootstrap-server);"
                + " did you mean \"kafka.bootstrap-servers\"? Run `./listenseq help` for every key.", e.getMessage());
    }

    @Test
    void unknownKeyFromTheJobFileNamesTheFile() throws IOException {
        Path file = jobFile("sequence.max-item=10");

        ConfigException e = configError(() -> Settings.load("stream", List.of("--job", file.toString())));

        String message = e.getMessage();
        assertTrue(message.contains("unknown key \"sequence.max-item\""), message);
        assertTrue(message.contains("(from " + file + ")"), message);
        assertTrue(message.contains("did you mean \"sequence.max-items\"?"), message);
    }

    @Test
    void misspelledKeySuggestion() {
        ConfigException e = configError(() -> Settings.of(Map.of("paralelism", "2")));

        assertTrue(e.getMessage().contains("did you mean \"parallelism\"?"), e.getMessage());
        assertTrue(e.getMessage().contains("(from the given settings)"), e.getMessage());
    }

    @Test
    void unknownKeyWithNothingCloseHasNoSuggestion() {
        ConfigException e = configError(() -> Settings.of(Map.of("completely.unrelated.setting", "1")));

        assertTrue(e.getMessage().startsWith("unknown key \"completely.unrelated.setting\""), e.getMessage());
        assertFalse(e.getMessage().contains("did you mean"), e.getMessage());
    }

    @Test
    void aKafkaKeyOutsideThePassThroughPrefixIsUnknown() {
        ConfigException e = configError(() -> Settings.of(Map.of("kafka.security.protocol", "SSL")));

        assertTrue(e.getMessage().startsWith("unknown key \"kafka.security.protocol\""), e.getMessage());
    }

    // --- bad values --------------------------------------------------------------------------

    @Test
    void badValueInTheJobFileNamesKeyValueRuleAndFile() throws IOException {
        Path file = jobFile("sequence.max-items=lots");

        ConfigException e = configError(() -> Settings.load("stream", List.of("--job", file.toString())));

        assertEquals("sequence.max-items is \"lots\"; it must be an integer from 1 to 10000 (fix it in " + file + ")",
                e.getMessage());
    }

    @Test
    void badValueFromAnArgumentNamesTheArgument() throws IOException {
        Path file = jobFile("sequence.max-age=30d");

        ConfigException e = configError(() -> Settings.load("stream",
                List.of("--job", file.toString(), "--sequence.max-age=soon")));

        assertEquals("sequence.max-age is \"soon\"; it must be a duration such as 500ms, 10s, 5m, 2h, 90d"
                + " or ISO-8601 PT10S (fix the --sequence.max-age argument)", e.getMessage());
    }

    @Test
    void valueRulesOfEachKind() {
        assertEquals("delivery.guarantee is \"twice\"; it must be one of exactly-once, at-least-once (fix it in the given settings)",
                configError(() -> Settings.of(Map.of("delivery.guarantee", "twice"))).getMessage());
        assertEquals("topics.create is \"yes\"; it must be true or false (fix it in the given settings)",
                configError(() -> Settings.of(Map.of("topics.create", "yes"))).getMessage());
        assertEquals("weights.repeat-boost is \"-1\"; it must be a number from 0.0 to 1000.0 (fix it in the given settings)",
                configError(() -> Settings.of(Map.of("weights.repeat-boost", "-1"))).getMessage());
        assertEquals("sequence.max-age is \"30s\"; it must be at least 1m (fix it in the given settings)",
                configError(() -> Settings.of(Map.of("sequence.max-age", "30s"))).getMessage());
        assertEquals("job.name is \" \"; it must not be empty (fix it in the given settings)",
                configError(() -> Settings.of(Map.of("job.name", " "))).getMessage());
        assertEquals("demo.seed is \"x\"; it must be an integer (fix it in the given settings)",
                configError(() -> Settings.of(Map.of("demo.seed", "x"))).getMessage());
        assertEquals("sequence.dedup-window is \"10s\"; it must be at least 1m (fix it in the given settings)",
                configError(() -> Settings.of(Map.of("sequence.dedup-window", "10s"))).getMessage());
    }

    @Test
    void valuesAreParsedLeniently() {
        Settings s = Settings.of(Map.of(
                "demo.users", "1_000_000",
                "delivery.guarantee", "AT-LEAST-ONCE",
                "topics.create", "FALSE",
                "sequence.dedup-window", " "));

        assertEquals(1_000_000, s.get(ConfigKeys.DEMO_USERS));
        assertEquals(Delivery.AT_LEAST_ONCE, s.get(ConfigKeys.DELIVERY));
        assertEquals(false, s.get(ConfigKeys.TOPICS_CREATE));
        assertEquals(null, s.get(ConfigKeys.DEDUP_WINDOW));
    }

    @Test
    void severalProblemsAreReportedTogether() throws IOException {
        Path file = jobFile("sequence.max-items=0", "paralelism=2");

        ConfigException e = configError(() -> Settings.load("stream",
                List.of("--job", file.toString(), "--checkpoint.interval", "never", "--topics.create=maybe")));

        List<String> problems = e.problems();
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("unknown key \"paralelism\" (from " + file + ")")),
                problems.toString());
        assertTrue(problems.contains("sequence.max-items is \"0\"; it must be an integer from 1 to 10000 (fix it in "
                + file + ")"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("checkpoint.interval is \"never\";")
                && p.endsWith("(fix the --checkpoint.interval argument)")), problems.toString());
        assertTrue(problems.contains("topics.create is \"maybe\"; it must be true or false"
                + " (fix the --topics.create argument)"), problems.toString());
        assertTrue(e.getMessage().startsWith("the configuration has 4 problems:\n  - "), e.getMessage());
        for (String problem : problems) {
            assertTrue(e.getMessage().contains("\n  - " + problem), problem);
        }
    }

    @Test
    void problemsListIsImmutable() {
        ConfigException e = new ConfigException(List.of("a", "b"));

        assertThrows(UnsupportedOperationException.class, () -> e.problems().add("c"));
        assertEquals("the configuration has 2 problems:\n  - a\n  - b", e.getMessage());
        assertEquals("only one", new ConfigException("only one").getMessage());
    }

    // --- argument and file errors ------------------------------------------------------------

    @Test
    void missingJobFileIsAClearError() {
        Path missing = dir.resolve("no-such-job.properties");

        ConfigException e = configError(() -> Settings.load("stream", List.of("--job", missing.toString())));

        assertEquals("job file " + missing + " does not exist", e.getMessage());
    }

    @Test
    void noJobFileAnywhereIsAClearError() {
        ConfigException e = configError(() -> Settings.load("no-such-default-job", List.of()));

        assertEquals("no job definition " + Path.of("jobs", "no-such-default-job.properties")
                + " here and none bundled as jobs/no-such-default-job.properties", e.getMessage());
    }

    @Test
    void danglingKeyWithoutValueIsAClearError() throws IOException {
        Path file = jobFile();

        ConfigException e = configError(() -> Settings.load("stream",
                List.of("--job", file.toString(), "--parallelism")));

        assertEquals("--parallelism needs a value", e.getMessage());
    }

    @Test
    void danglingJobWithoutPathIsAClearError() {
        ConfigException e = configError(() -> Settings.load("stream", List.of("--job")));

        assertEquals("--job needs a value", e.getMessage());
    }

    @Test
    void argumentsMustBeFlags() throws IOException {
        Path file = jobFile();

        ConfigException positional = configError(() -> Settings.load("stream",
                List.of("--job", file.toString(), "parallelism=3")));
        ConfigException bare = configError(() -> Settings.load("stream", List.of("--")));

        assertEquals("unexpected argument \"parallelism=3\"; settings are given as --key value or --key=value",
                positional.getMessage());
        assertEquals("unexpected argument \"--\"; settings are given as --key value or --key=value", bare.getMessage());
    }

    // --- secret references ---------------------------------------------------------------------

    @Test
    void passThroughValuesMayComeFromAFileOrTheEnvironment() throws IOException {
        Path secret = dir.resolve("jaas");
        Files.writeString(secret, "ScramLoginModule required username=\"u\" password=\"p\";\n", StandardCharsets.UTF_8);
        Settings s = Settings.of(Map.of(
                "kafka.client.sasl.jaas.config", "${file:" + secret + "}",
                "kafka.client.ssl.truststore.password", "${env:PATH}",
                "kafka.client.security.protocol", "SASL_SSL",
                "kafka.client.sasl.oauthbearer.token.endpoint.url", "file:/etc/token",
                "kafka.client.other", "${vault:secret/kafka:password}",
                "flink.s3.secret-key", "${env:PATH}"));

        Map<String, String> client = s.withPrefix(ConfigKeys.KAFKA_CLIENT_PREFIX);
        assertEquals("ScramLoginModule required username=\"u\" password=\"p\";", client.get("sasl.jaas.config"));
        assertEquals(System.getenv("PATH"), client.get("ssl.truststore.password"));
        assertEquals("SASL_SSL", client.get("security.protocol"));
        assertEquals("file:/etc/token", client.get("sasl.oauthbearer.token.endpoint.url"), "only ${...} is a reference");
        assertEquals("${vault:secret/kafka:password}", client.get("other"), "other providers are left to Kafka");
        assertEquals(System.getenv("PATH"), s.withPrefix(ConfigKeys.FLINK_PREFIX).get("s3.secret-key"));
        assertEquals(System.getenv("PATH"), JobConfig.from(s).kafkaClientProperties().get("ssl.truststore.password"));
    }

    @Test
    void aMissingSecretFailsAtLoadNamingTheKeyAndTheReferenceOnly() throws IOException {
        Path job = jobFile("kafka.client.sasl.jaas.config=${env:LISTENSEQ_NO_SUCH_VARIABLE_42}",
                "kafka.client.ssl.keystore.password=${file:" + dir.resolve("absent") + "}");
        ConfigException e = configError(() -> Settings.load("streaming", List.of("--job", job.toString())));
        assertEquals(List.of(
                "kafka.client.sasl.jaas.config is \"${env:LISTENSEQ_NO_SUCH_VARIABLE_42}\"; environment variable"
                        + " LISTENSEQ_NO_SUCH_VARIABLE_42 is not set; set it for this process (fix it in " + job + ")",
                "kafka.client.ssl.keystore.password is \"${file:" + dir.resolve("absent") + "}\"; file "
                        + dir.resolve("absent").toAbsolutePath() + " does not exist (fix it in " + job + ")"),
                e.problems());
    }

    @Test
    void theTokenIsReadFromTheReferenceAndNeverAcceptedLiterally() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "abc123\n", StandardCharsets.UTF_8);
        assertEquals("abc123", Settings.of(Map.of("reader.http-token", "${file:" + token + "}"))
                .get(ConfigKeys.READER_HTTP_TOKEN));
        assertEquals("", Settings.of(Map.of()).get(ConfigKeys.READER_HTTP_TOKEN));
        ConfigException literal = configError(() -> Settings.load("streaming", List.of("--reader.http-token", "abc123")));
        assertEquals(List.of("reader.http-token is \"(hidden)\"; it must be ${env:NAME} or ${file:PATH}: a secret given"
                + " literally shows in the process list, shell history and job files (fix the --reader.http-token argument)"),
                literal.problems());
    }
}
