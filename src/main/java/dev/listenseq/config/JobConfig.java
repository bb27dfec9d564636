package dev.listenseq.config;

import dev.listenseq.avro.PlaySource;
import dev.listenseq.config.ConfigKeys.Delivery;
import dev.listenseq.config.ConfigKeys.StartingOffsets;
import dev.listenseq.config.ConfigKeys.StateBackend;
import dev.listenseq.sequence.PlaySourceWeights;
import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.StateLimits;
import dev.listenseq.sequence.ValidationRules;
import dev.listenseq.sequence.Weighting;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The typed, validated configuration of the job, read once from {@link Settings} at start.
 * Construction fails with a {@link ConfigException} naming every bad key, its value and the fix.
 */
public record JobConfig(
        String jobName,
        int parallelism,
        int maxParallelism,
        String bootstrapServers,
        String groupId,
        Map<String, String> kafkaClientProperties,
        Topics topics,
        StartingOffsets startingOffsets,
        Delivery delivery,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        Duration checkpointInterval,
        Duration checkpointTimeout,
        String checkpointDir,
        String savepointDir,
        int checkpointsRetained,
        StateBackend stateBackend,
        boolean incrementalCheckpoints,
        String stateLocalDir,
        long stateMemoryBytes,
        int stateCacheUsers,
        long stateCacheBytes,
        String restoreFrom,
        boolean startEmpty,
        SequencePolicy policy,
        StateLimits limits,
        Weighting weighting,
        ValidationRules validation,
        int dlqMaxCopyBytes,
        Duration emitMinInterval,
        Ordering ordering,
        Backfill backfill,
        Map<String, String> flinkProperties) {

    /** How a user's events are ordered before they are applied; idleTimeout null means never idle. */
    public record Ordering(ConfigKeys.Ordering mode, Duration maxDisorder, Duration idleTimeout) {
        public boolean eventTime() {
            return mode == ConfigKeys.Ordering.EVENT_TIME;
        }
    }

    /** The range of a backfill run and how it ends; null bounds mean the start or the end of each partition. */
    public record Backfill(Instant from, Instant to, boolean endWithSavepoint, ConfigKeys.BackfillEmit emit,
                           Duration progressInterval) {
    }

    /**
     * Topic names and how to create missing topics; replicationFactor 0 means the broker's default.
     * history is null when the job writes no history topic.
     */
    public record Topics(String input, String output, String dlq, String late, String history,
                         boolean create, int partitions, int replicationFactor) {

        /** The input topics: topics.input split at commas. */
        public List<String> inputs() {
            return Arrays.stream(input.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        }
    }

    /** checkpoint.timeout when nothing bounds it (at-least-once). */
    private static final Duration DEFAULT_CHECKPOINT_TIMEOUT = Duration.ofMinutes(10);

    private static PlaySourceWeights playSourceWeights(Settings s) {
        Map<PlaySource, Double> multipliers = new EnumMap<>(PlaySource.class);
        ConfigKeys.PLAY_SOURCE_WEIGHTS.forEach((source, key) -> multipliers.put(source, s.get(key)));
        return PlaySourceWeights.of(multipliers);
    }

    public static JobConfig from(Settings s) {
        List<String> problems = new ArrayList<>();
        Duration maxAge = s.get(ConfigKeys.MAX_AGE);
        Duration dedupWindow = s.get(ConfigKeys.DEDUP_WINDOW);
        if (dedupWindow == null) {
            dedupWindow = maxAge;
        } else if (dedupWindow.compareTo(maxAge) > 0) {
            problems.add(s.problem(ConfigKeys.DEDUP_WINDOW, Durations.format(dedupWindow),
                    "it must not exceed sequence.max-age (" + Durations.format(maxAge) + "): older events are late anyway"));
        }
        Delivery delivery = s.get(ConfigKeys.DELIVERY);
        Duration interval = s.get(ConfigKeys.CHECKPOINT_INTERVAL);
        Duration txTimeout = s.get(ConfigKeys.TRANSACTION_TIMEOUT);
        if (delivery == Delivery.EXACTLY_ONCE && txTimeout.compareTo(interval.multipliedBy(2)) < 0) {
            problems.add(s.problem(ConfigKeys.TRANSACTION_TIMEOUT, Durations.format(txTimeout),
                    "it must be at least twice checkpoint.interval (" + Durations.format(interval)
                            + "), and longer than a checkpoint plus a restart take, or the broker aborts committed output"));
        }
        Duration checkpointTimeout = s.get(ConfigKeys.CHECKPOINT_TIMEOUT);
        if (checkpointTimeout == null) {
            checkpointTimeout = delivery == Delivery.EXACTLY_ONCE && txTimeout.compareTo(interval.multipliedBy(2)) >= 0
                    ? txTimeout.minus(interval) : DEFAULT_CHECKPOINT_TIMEOUT;
        } else if (delivery == Delivery.EXACTLY_ONCE && checkpointTimeout.plus(interval).compareTo(txTimeout) > 0) {
            // The output of checkpoint N is one transaction per sink, opened when checkpoint N-1 is taken and
            // committed when N completes: it must outlive an interval plus the slowest checkpoint allowed.
            problems.add(s.problem(ConfigKeys.CHECKPOINT_TIMEOUT, Durations.format(checkpointTimeout),
                    "with exactly-once, checkpoint.interval (" + Durations.format(interval) + ") + checkpoint.timeout must not"
                            + " exceed delivery.transaction-timeout (" + Durations.format(txTimeout) + "), or the broker can abort"
                            + " the output of a checkpoint that completed; lower it to at most "
                            + Durations.format(txTimeout.minus(interval)) + " or raise delivery.transaction-timeout"));
        }
        String input = s.get(ConfigKeys.TOPIC_INPUT);
        String output = s.get(ConfigKeys.TOPIC_OUTPUT);
        String dlq = s.get(ConfigKeys.TOPIC_DLQ);
        String late = s.get(ConfigKeys.TOPIC_LATE);
        Instant from = s.get(ConfigKeys.BACKFILL_FROM);
        Instant to = s.get(ConfigKeys.BACKFILL_TO);
        if (from != null && to != null && !from.isBefore(to)) {
            problems.add(s.problem(ConfigKeys.BACKFILL_TO, to.toString(),
                    "it must be after backfill.from (" + from + "): the range [from, to) would be empty"));
        }
        if (List.of(input, output, dlq, late).stream().distinct().count() < 4) {
            problems.add("topics.input, topics.output, topics.dlq and topics.late must be four different topics; they are "
                    + input + ", " + output + ", " + dlq + ", " + late);
        }
        String history = s.get(ConfigKeys.TOPIC_HISTORY);
        if (List.of(input, output, dlq, late).contains(history)) {
            problems.add(s.problem(ConfigKeys.TOPIC_HISTORY, history,
                    "it must differ from topics.input, topics.output, topics.dlq and topics.late"));
        }
        int parallelism = s.get(ConfigKeys.PARALLELISM);
        int maxParallelism = s.get(ConfigKeys.MAX_PARALLELISM);
        if (parallelism > maxParallelism) {
            problems.add(s.problem(ConfigKeys.PARALLELISM, String.valueOf(parallelism),
                    "it must not exceed max-parallelism (" + maxParallelism + ")"));
        }
        String memory = s.get(ConfigKeys.STATE_MEMORY);
        long stateMemory = Sizes.parse(memory);
        if (stateMemory < 0) {
            problems.add(s.problem(ConfigKeys.STATE_MEMORY, memory, "it must be a size such as 512m or 2g"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }

        String jobName = s.get(ConfigKeys.JOB_NAME);
        String groupId = s.get(ConfigKeys.GROUP_ID);
        String txPrefix = s.get(ConfigKeys.TRANSACTIONAL_ID_PREFIX);
        String localDir = s.get(ConfigKeys.STATE_LOCAL_DIR);
        String restoreFrom = s.get(ConfigKeys.RESTORE_FROM);
        Duration expireAfter = s.get(ConfigKeys.STATE_EXPIRE_AFTER);
        return new JobConfig(
                jobName,
                parallelism,
                maxParallelism,
                s.get(ConfigKeys.BOOTSTRAP_SERVERS),
                groupId.isEmpty() ? jobName : groupId,
                s.withPrefix(ConfigKeys.KAFKA_CLIENT_PREFIX),
                new Topics(input, output, dlq, late, history.isEmpty() ? null : history,
                        s.get(ConfigKeys.TOPICS_CREATE), s.get(ConfigKeys.TOPICS_PARTITIONS),
                        s.get(ConfigKeys.TOPICS_REPLICATION)),
                s.get(ConfigKeys.STARTING_OFFSETS),
                delivery,
                txPrefix.isEmpty() ? jobName : txPrefix,
                txTimeout,
                interval,
                checkpointTimeout,
                s.get(ConfigKeys.CHECKPOINT_DIR),
                s.get(ConfigKeys.SAVEPOINT_DIR),
                s.get(ConfigKeys.CHECKPOINTS_RETAINED),
                s.get(ConfigKeys.STATE_BACKEND),
                s.get(ConfigKeys.STATE_INCREMENTAL),
                localDir.isEmpty() ? null : localDir,
                stateMemory,
                s.get(ConfigKeys.STATE_CACHE_USERS),
                s.get(ConfigKeys.STATE_CACHE_MEMORY),
                restoreFrom.isEmpty() ? null : restoreFrom,
                s.get(ConfigKeys.START_EMPTY),
                new SequencePolicy(s.get(ConfigKeys.MAX_ITEMS), maxAge.toMillis(),
                        s.get(ConfigKeys.RECENT_EVENTS), dedupWindow.toMillis()),
                new StateLimits(s.get(ConfigKeys.DEDUP_MAX_IDS), s.get(ConfigKeys.MAX_PENDING),
                        expireAfter == null ? 0 : expireAfter.toMillis()),
                new Weighting(s.get(ConfigKeys.HALF_LIFE).toMillis(), s.get(ConfigKeys.DEFAULT_DURATION).toMillis(),
                        s.get(ConfigKeys.REPEAT_BOOST), s.get(ConfigKeys.SKIP_PENALTY),
                        s.get(ConfigKeys.LIKE_WEIGHT), s.get(ConfigKeys.COLLECT_WEIGHT), playSourceWeights(s)),
                new ValidationRules(s.get(ConfigKeys.ID_MAX_LENGTH), s.get(ConfigKeys.MAX_CLOCK_SKEW).toMillis()),
                s.get(ConfigKeys.DLQ_MAX_COPY_BYTES),
                s.get(ConfigKeys.EMIT_MIN_INTERVAL),
                new Ordering(s.get(ConfigKeys.ORDERING), s.get(ConfigKeys.MAX_DISORDER), s.get(ConfigKeys.IDLE_TIMEOUT)),
                new Backfill(from, to, s.get(ConfigKeys.BACKFILL_SAVEPOINT), s.get(ConfigKeys.BACKFILL_EMIT),
                        s.get(ConfigKeys.BACKFILL_PROGRESS)),
                s.withPrefix(ConfigKeys.FLINK_PREFIX));
    }
}
