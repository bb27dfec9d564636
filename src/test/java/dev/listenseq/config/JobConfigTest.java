package dev.listenseq.config;

import dev.listenseq.config.ConfigKeys.Delivery;
import dev.listenseq.config.ConfigKeys.StartingOffsets;
import dev.listenseq.config.ConfigKeys.StateBackend;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.ValidationRules;
import dev.listenseq.sequence.Weighting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobConfigTest {

    private static final long DAY_MS = 24L * 3600 * 1000;

    @TempDir
    Path dir;

    private static JobConfig config(Map<String, String> values) {
        return JobConfig.from(Settings.of(values));
    }

    private static ConfigException rejected(Map<String, String> values) {
        Settings settings = Settings.of(values); // every single value is valid on its own
        return assertThrows(ConfigException.class, () -> JobConfig.from(settings));
    }

    @Test
    void defaultsAreTheDocumentedValues() {
        JobConfig c = config(Map.of());

        assertEquals("listening-sequence-builder", c.jobName());
        assertEquals(2, c.parallelism());
        assertEquals(128, c.maxParallelism());
        assertEquals("localhost:9092", c.bootstrapServers());
        assertEquals("listening-sequence-builder", c.groupId());
        assertEquals(Map.of(), c.kafkaClientProperties());
        assertEquals(new JobConfig.Topics("listen-events", "user-sequences", "listen-events-dlq",
                "listen-events-late", null, true, 6, 0), c.topics());
        assertEquals(StartingOffsets.COMMITTED, c.startingOffsets());
        assertEquals(Delivery.EXACTLY_ONCE, c.delivery());
        assertEquals("listening-sequence-builder", c.transactionalIdPrefix());
        assertEquals(Duration.ofMinutes(10), c.transactionTimeout());
        assertEquals(Duration.ofSeconds(10), c.checkpointInterval());
        assertEquals(Duration.ofSeconds(590), c.checkpointTimeout(), "transaction timeout - interval");
        assertEquals("file:///tmp/listening-sequence-builder/checkpoints", c.checkpointDir());
        assertEquals("file:///tmp/listening-sequence-builder/savepoints", c.savepointDir());
        assertEquals(StateBackend.ROCKSDB, c.stateBackend());
        assertTrue(c.incrementalCheckpoints());
        assertNull(c.stateLocalDir());
        assertNull(c.restoreFrom());
        assertEquals(new SequencePolicy(200, 90 * DAY_MS, 20, 90 * DAY_MS), c.policy());
        assertEquals(new Weighting(14 * DAY_MS, 180_000, 0.5, 1.0, 2.0, 3.0), c.weighting());
        assertEquals(new ValidationRules(128, 3_600_000), c.validation());
        assertEquals(Duration.ofSeconds(1), c.emitMinInterval());
        assertEquals(Map.of(), c.flinkProperties());
    }

    @Test
    void defaultsAgreeWithTheSequenceDefaults() {
        JobConfig c = config(Map.of());

        assertEquals(SequencePolicy.defaults(), c.policy());
        assertEquals(Weighting.defaults(), c.weighting());
    }

    @Test
    void groupIdAndTransactionalIdPrefixFollowTheJobName() {
        JobConfig c = config(Map.of("job.name", "eu-sequences"));

        assertEquals("eu-sequences", c.jobName());
        assertEquals("eu-sequences", c.groupId());
        assertEquals("eu-sequences", c.transactionalIdPrefix());
    }

    @Test
    void explicitGroupIdAndTransactionalIdPrefixWin() {
        JobConfig c = config(Map.of("job.name", "eu-sequences",
                "kafka.group-id", "eu-group", "delivery.transactional-id-prefix", "eu-tx"));

        assertEquals("eu-group", c.groupId());
        assertEquals("eu-tx", c.transactionalIdPrefix());
    }

    @Test
    void dedupWindowDefaultsToMaxAge() {
        JobConfig c = config(Map.of("sequence.max-age", "30d"));

        assertEquals(30 * DAY_MS, c.policy().maxAgeMs());
        assertEquals(30 * DAY_MS, c.policy().dedupWindowMs());
    }

    @Test
    void dedupWindowUpToMaxAgeIsAccepted() {
        assertEquals(7 * DAY_MS, config(Map.of("sequence.max-age", "30d", "sequence.dedup-window", "7d"))
                .policy().dedupWindowMs());
        assertEquals(30 * DAY_MS, config(Map.of("sequence.max-age", "30d", "sequence.dedup-window", "P30D"))
                .policy().dedupWindowMs());
    }

    @Test
    void dedupWindowLargerThanMaxAgeIsRejected() {
        ConfigException e = rejected(Map.of("sequence.max-age", "30d", "sequence.dedup-window", "31d"));

        assertEquals("sequence.dedup-window is \"31d\"; it must not exceed sequence.max-age (30d):"
                + " older events are late anyway (fix it in the given settings)", e.getMessage());
    }

    @Test
    void dedupWindowLargerThanTheDefaultMaxAgeIsRejected() {
        ConfigException e = rejected(Map.of("sequence.dedup-window", "91d"));

        assertTrue(e.getMessage().contains("must not exceed sequence.max-age (90d)"), e.getMessage());
    }

    @Test
    void shortTransactionTimeoutIsRejectedWithExactlyOnce() {
        ConfigException e = rejected(Map.of("checkpoint.interval", "6m"));

        assertEquals("delivery.transaction-timeout is \"10m\"; it must be at least twice checkpoint.interval (6m),"
                + " and longer than a checkpoint plus a restart take, or the broker aborts committed output"
                + " (set it in the job file or with --delivery.transaction-timeout)", e.getMessage());
    }

    @Test
    void transactionTimeoutOfExactlyTwiceTheIntervalIsAccepted() {
        JobConfig c = config(Map.of("checkpoint.interval", "5m"));

        assertEquals(Duration.ofMinutes(10), c.transactionTimeout());
        assertEquals(Duration.ofMinutes(5), c.checkpointInterval());
    }

    @Test
    void aCheckpointTimeoutThatOutlivesTheTransactionIsRejected() {
        ConfigException e = rejected(Map.of("checkpoint.timeout", "591s"));

        assertEquals("checkpoint.timeout is \"591s\"; with exactly-once, checkpoint.interval (10s) + checkpoint.timeout"
                + " must not exceed delivery.transaction-timeout (10m), or the broker can abort the output of a checkpoint"
                + " that completed; lower it to at most 590s or raise delivery.transaction-timeout"
                + " (fix it in the given settings)", e.getMessage());
        assertEquals(Duration.ofSeconds(590), config(Map.of("checkpoint.timeout", "590s")).checkpointTimeout());
        assertEquals(Duration.ofMinutes(30), config(Map.of("checkpoint.timeout", "30m",
                "delivery.guarantee", "at-least-once")).checkpointTimeout(), "no transactions, no bound");
        assertEquals(Duration.ofMinutes(10), config(Map.of("delivery.guarantee", "at-least-once")).checkpointTimeout());
    }

    @Test
    void shortTransactionTimeoutIsAcceptedWithAtLeastOnce() {
        JobConfig c = config(Map.of("checkpoint.interval", "6m", "delivery.transaction-timeout", "1m",
                "delivery.guarantee", "at-least-once"));

        assertEquals(Delivery.AT_LEAST_ONCE, c.delivery());
        assertEquals(Duration.ofMinutes(1), c.transactionTimeout());
    }

    @Test
    void crossFieldProblemNamesTheJobFile() throws IOException {
        Path file = dir.resolve("job.properties");
        Files.writeString(file, "checkpoint.interval=1m\ndelivery.transaction-timeout=90s\n");
        Settings settings = Settings.load("stream", List.of("--job", file.toString()));

        ConfigException e = assertThrows(ConfigException.class, () -> JobConfig.from(settings));

        assertTrue(e.getMessage().startsWith("delivery.transaction-timeout is \"90s\";"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(fix it in " + file + ")"), e.getMessage());
    }

    @Test
    void duplicateTopicNamesAreRejected() {
        ConfigException e = rejected(Map.of("topics.dlq", "listen-events"));

        assertEquals("topics.input, topics.output, topics.dlq and topics.late must be four different topics;"
                + " they are listen-events, user-sequences, listen-events, listen-events-late", e.getMessage());
    }

    @Test
    void outputAndLateTopicMustDifferToo() {
        ConfigException e = rejected(Map.of("topics.late", "user-sequences"));

        assertTrue(e.getMessage().contains("must be four different topics"), e.getMessage());
    }

    @Test
    void historyTopicIsOffByDefaultAndMustBeItsOwnTopic() {
        assertEquals("user-sequences-history",
                config(Map.of("topics.history", "user-sequences-history")).topics().history());

        ConfigException e = rejected(Map.of("topics.history", "user-sequences"));

        assertEquals("topics.history is \"user-sequences\"; it must differ from topics.input, topics.output,"
                + " topics.dlq and topics.late (fix it in the given settings)", e.getMessage());
    }

    @Test
    void parallelismAboveMaxParallelismIsRejected() {
        ConfigException e = rejected(Map.of("parallelism", "8", "max-parallelism", "4"));

        assertEquals("parallelism is \"8\"; it must not exceed max-parallelism (4) (fix it in the given settings)",
                e.getMessage());
    }

    @Test
    void parallelismEqualToMaxParallelismIsAccepted() {
        JobConfig c = config(Map.of("parallelism", "4", "max-parallelism", "4"));

        assertEquals(4, c.parallelism());
        assertEquals(4, c.maxParallelism());
    }

    @Test
    void allCrossFieldProblemsAreReportedTogether() {
        ConfigException e = rejected(Map.of(
                "sequence.max-age", "1d", "sequence.dedup-window", "2d",
                "checkpoint.interval", "10m",
                "topics.output", "listen-events",
                "parallelism", "200"));

        List<String> problems = e.problems();
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("sequence.dedup-window is \"2d\""), problems.get(0));
        assertTrue(problems.get(1).startsWith("delivery.transaction-timeout is \"10m\""), problems.get(1));
        assertTrue(problems.get(2).contains("must be four different topics"), problems.get(2));
        assertTrue(problems.get(3).startsWith("parallelism is \"200\""), problems.get(3));
        assertTrue(e.getMessage().startsWith("the configuration has 4 problems:"), e.getMessage());
    }

    @Test
    void passThroughPropertiesAreExposedWithoutPrefix() {
        JobConfig c = config(Map.of(
                "kafka.client.security.protocol", "SASL_SSL",
                "kafka.client.sasl.mechanism", "SCRAM-SHA-512",
                "flink.rest.port", "8082",
                "flink.pipeline.object-reuse", "true"));

        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"),
                c.kafkaClientProperties());
        assertEquals(Map.of("rest.port", "8082", "pipeline.object-reuse", "true"), c.flinkProperties());
    }

    @Test
    void everyTypedValueIsCarriedThrough() {
        JobConfig c = config(Map.ofEntries(
                Map.entry("kafka.bootstrap-servers", "b1:9092,b2:9092"),
                Map.entry("topics.create", "false"),
                Map.entry("topics.partitions", "12"),
                Map.entry("topics.replication-factor", "3"),
                Map.entry("source.starting-offsets", "earliest"),
                Map.entry("checkpoint.timeout", "2m"),
                Map.entry("state.backend", "hashmap"),
                Map.entry("state.incremental", "false"),
                Map.entry("state.local-dir", "/var/lib/rocks"),
                Map.entry("state.restore-from", "s3://bucket/savepoint-1"),
                Map.entry("sequence.max-items", "50"),
                Map.entry("sequence.recent-events", "0"),
                Map.entry("weights.half-life", "7d"),
                Map.entry("weights.default-duration", "4m"),
                Map.entry("weights.repeat-boost", "0.25"),
                Map.entry("weights.skip-penalty", "2"),
                Map.entry("weights.like", "-1.5"),
                Map.entry("weights.collect", "4"),
                Map.entry("emit.min-interval", "0ms"),
                Map.entry("ids.max-length", "64"),
                Map.entry("validation.max-clock-skew", "5m")));

        assertEquals("b1:9092,b2:9092", c.bootstrapServers());
        assertEquals(new JobConfig.Topics("listen-events", "user-sequences", "listen-events-dlq",
                "listen-events-late", null, false, 12, 3), c.topics());
        assertEquals(StartingOffsets.EARLIEST, c.startingOffsets());
        assertEquals(Duration.ofMinutes(2), c.checkpointTimeout());
        assertEquals(StateBackend.HASHMAP, c.stateBackend());
        assertEquals(false, c.incrementalCheckpoints());
        assertEquals("/var/lib/rocks", c.stateLocalDir());
        assertEquals("s3://bucket/savepoint-1", c.restoreFrom());
        assertEquals(new SequencePolicy(50, 90 * DAY_MS, 0, 90 * DAY_MS), c.policy());
        assertEquals(new Weighting(7 * DAY_MS, 240_000, 0.25, 2.0, -1.5, 4.0), c.weighting());
        assertEquals(Duration.ZERO, c.emitMinInterval());
        assertEquals(new ValidationRules(64, 300_000), c.validation());
    }

    @Test
    void theBackfillJobFileReadsWithItsOwnTopicsAndTheRangeFlags() {
        JobConfig c = JobConfig.from(Settings.load("backfill", List.of(
                "--job", "jobs/backfill.properties", "--from", "2026-11-01", "--to", "1798761600000",
                "--end-with-savepoint", "true", "--topics.input", "a, b")));
        assertEquals("listening-sequence-backfill", c.jobName());
        assertEquals("user-sequences-backfill", c.topics().output());
        assertEquals(List.of("a", "b"), c.topics().inputs());
        assertEquals(java.time.Instant.parse("2026-11-01T00:00:00Z"), c.backfill().from());
        assertEquals(java.time.Instant.ofEpochMilli(1798761600000L), c.backfill().to());
        assertTrue(c.backfill().endWithSavepoint());
        assertEquals(ConfigKeys.Ordering.ARRIVAL, c.ordering().mode());
    }

    @Test
    void anEmptyOrBackwardsRangeIsRefused() {
        ConfigException e = rejected(Map.of("backfill.from", "2026-11-02", "backfill.to", "2026-11-01"));
        assertTrue(e.getMessage().contains("backfill.to is \"2026-11-01T00:00:00Z\"; it must be after backfill.from"),
                e.getMessage());
    }

    @Test
    void eventTimeOrderingReadsItsBoundAndIdleTimeout() {
        JobConfig c = config(Map.of("ordering.mode", "event-time", "ordering.max-disorder", "7h",
                "ordering.idle-timeout", "1m"));
        assertTrue(c.ordering().eventTime());
        assertEquals(Duration.ofHours(7), c.ordering().maxDisorder());
        assertEquals(Duration.ofMinutes(1), c.ordering().idleTimeout());
        assertNull(config(Map.of()).ordering().idleTimeout());
    }
}
