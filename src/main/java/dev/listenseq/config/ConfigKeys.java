package dev.listenseq.config;

import dev.listenseq.avro.PlaySource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration key the builder reads, with its default and meaning. Job files in
 * {@code jobs/} and {@code --key value} arguments may only set these keys, plus the pass-through
 * prefixes {@link #KAFKA_CLIENT_PREFIX} and {@link #FLINK_PREFIX}.
 */
public final class ConfigKeys {

    /** Delivery guarantee of the three output topics. */
    public enum Delivery { EXACTLY_ONCE, AT_LEAST_ONCE }

    /** Where a job without restored state starts reading the input topic. */
    public enum StartingOffsets { COMMITTED, EARLIEST, LATEST }

    /** In which order a user's events are applied. */
    public enum Ordering { ARRIVAL, EVENT_TIME }

    /** Flink state backend. */
    public enum StateBackend { ROCKSDB, HASHMAP }

    /** When a backfill that runs to its end emits snapshots. */
    public enum BackfillEmit { THROTTLED, AT_END }

    /** Passed to every Kafka client (source, sinks, admin) with the prefix removed, e.g. security settings. */
    public static final String KAFKA_CLIENT_PREFIX = "kafka.client.";

    /** Passed to Flink's configuration with the prefix removed, e.g. flink.rest.port. */
    public static final String FLINK_PREFIX = "flink.";

    private static final Duration ZERO = Duration.ZERO;
    private static final Duration ONE_MS = Duration.ofMillis(1);

    public static final ConfigKey<String> JOB_NAME = ConfigKey.text("job.name",
            "listening-sequence-builder", "Flink job name; also the default consumer group and transactional id prefix.");
    public static final ConfigKey<Integer> PARALLELISM = ConfigKey.integer("parallelism", 2, 1, 4096,
            "Parallel instances of each operator.");
    public static final ConfigKey<Integer> MAX_PARALLELISM = ConfigKey.integer("max-parallelism", 128, 1, 32768,
            "Number of key groups: the upper bound for rescaling. Pinned: changing it makes existing savepoints unusable.");

    public static final ConfigKey<String> BOOTSTRAP_SERVERS = ConfigKey.text("kafka.bootstrap-servers",
            "localhost:9092", "Kafka brokers, host:port[,host:port]. The demo starts its own broker unless this is given on the command line.");
    public static final ConfigKey<String> GROUP_ID = ConfigKey.optionalText("kafka.group-id",
            "Consumer group for the input topic (offsets are committed on checkpoints, for monitoring lag). Default: job.name.");

    public static final ConfigKey<String> TOPIC_INPUT = ConfigKey.text("topics.input", "listen-events",
            "Input topic(s) of ListenEvent records, keyed by user_id; several separated by commas.");
    public static final ConfigKey<String> TOPIC_OUTPUT = ConfigKey.text("topics.output", "user-sequences",
            "Output topic of UserSequence snapshots, keyed by user_id; created compacted.");
    public static final ConfigKey<String> TOPIC_DLQ = ConfigKey.text("topics.dlq", "listen-events-dlq",
            "Dead-letter topic: DeadLetter records for input the job could not use.");
    public static final ConfigKey<String> TOPIC_LATE = ConfigKey.text("topics.late", "listen-events-late",
            "Late topic: the original bytes of events older than the user's horizon (as_of - sequence.max-age).");
    public static final ConfigKey<String> TOPIC_HISTORY = ConfigKey.optionalText("topics.history",
            "Optional history topic: the job writes every snapshot here as well, not compacted, for point-in-time lookups and training export. Empty: off.");
    public static final ConfigKey<Boolean> TOPICS_CREATE = ConfigKey.bool("topics.create", true,
            "Create missing topics at start (existing topics are left as they are).");
    public static final ConfigKey<Integer> TOPICS_PARTITIONS = ConfigKey.integer("topics.partitions", 6, 1, 10_000,
            "Partitions of topics the job creates.");
    public static final ConfigKey<Integer> TOPICS_REPLICATION = ConfigKey.integer("topics.replication-factor", 0, 0, 32,
            "Replication factor of topics the job creates; 0 uses the broker's default.");

    public static final ConfigKey<StartingOffsets> STARTING_OFFSETS = ConfigKey.choice("source.starting-offsets",
            StartingOffsets.COMMITTED, StartingOffsets.class,
            "Where to start without restored state: committed (the group's offsets, else earliest), earliest or latest. Restored state always wins.");

    public static final ConfigKey<Delivery> DELIVERY = ConfigKey.choice("delivery.guarantee",
            Delivery.EXACTLY_ONCE, Delivery.class,
            "exactly-once: outputs are Kafka transactions committed on each checkpoint (read with isolation.level=read_committed; latency ~ checkpoint.interval). at-least-once: lowest latency, duplicates after a failure.");
    public static final ConfigKey<String> TRANSACTIONAL_ID_PREFIX = ConfigKey.optionalText("delivery.transactional-id-prefix",
            "Prefix of the sinks' Kafka transactional ids; must be unique per job on a cluster. Default: job.name.");
    public static final ConfigKey<Duration> TRANSACTION_TIMEOUT = ConfigKey.duration("delivery.transaction-timeout",
            "10m", Duration.ofSeconds(1),
            "Kafka transaction timeout (exactly-once). Must be at least checkpoint.interval + checkpoint.timeout and twice checkpoint.interval, and not exceed the broker's transaction.max.timeout.ms (15m by default; checked at start).");

    public static final ConfigKey<Duration> CHECKPOINT_INTERVAL = ConfigKey.duration("checkpoint.interval", "10s",
            Duration.ofMillis(10), "How often state and offsets are checkpointed (and, exactly-once, output committed).");
    public static final ConfigKey<Duration> CHECKPOINT_TIMEOUT = ConfigKey.optionalDuration("checkpoint.timeout",
            Duration.ofSeconds(1), "A checkpoint taking longer is aborted. Exactly-once: at most delivery.transaction-timeout - checkpoint.interval, or the broker could abort output whose checkpoint completed. Default: that bound (exactly-once), else 10m.");
    public static final ConfigKey<String> CHECKPOINT_DIR = ConfigKey.text("checkpoint.dir",
            "file:///tmp/listening-sequence-builder/checkpoints",
            "Durable storage for checkpoints (s3://, hdfs://, file://). Retained on failure, cancellation and kill. `stream` run as a program writes under <checkpoint.dir>/<job.name>/<job-id>/chk-N and resumes from there by itself.");
    public static final ConfigKey<String> SAVEPOINT_DIR = ConfigKey.text("savepoint.dir",
            "file:///tmp/listening-sequence-builder/savepoints",
            "Where `stream` writes the savepoint it takes when stopped with SIGTERM (run as a program: under <savepoint.dir>/<job.name>/, where its next start finds it).");
    public static final ConfigKey<Integer> CHECKPOINTS_RETAINED = ConfigKey.integer("state.checkpoints-retained", 3, 1, 100,
            "Completed checkpoints kept per run (Flink's execution.checkpointing.num-retained): more than one lets a restart fall back when the newest is damaged.");

    public static final ConfigKey<StateBackend> STATE_BACKEND = ConfigKey.choice("state.backend",
            StateBackend.ROCKSDB, StateBackend.class,
            "rocksdb (state on local disk, incremental checkpoints, for production) or hashmap (state on the JVM heap).");
    public static final ConfigKey<Boolean> STATE_INCREMENTAL = ConfigKey.bool("state.incremental", true,
            "Incremental checkpoints (RocksDB): upload only new files.");
    public static final ConfigKey<String> STATE_LOCAL_DIR = ConfigKey.optionalText("state.local-dir",
            "Local working directory of RocksDB. Default: the JVM's temporary directory.");
    public static final ConfigKey<String> STATE_MEMORY = ConfigKey.text("state.memory", "1g",
            "Memory RocksDB may use (write buffers and block cache) when the job runs in this process (stream, demo, bench). On a Flink cluster the cluster's taskmanager.memory.managed.* decides instead.");
    public static final ConfigKey<Integer> STATE_CACHE_USERS = ConfigKey.integer("state.cache-users", 100_000, 0, 1_000_000,
            "At most this many users' state each parallel instance keeps decoded in memory (RocksDB only): reads of a cached user skip RocksDB, writes reach it at each checkpoint or when the user leaves the cache. state.cache-memory usually binds first. 0: off (docs/state.md).");
    public static final ConfigKey<Long> STATE_CACHE_MEMORY = ConfigKey.size("state.cache-memory", "64m", 0,
            "Heap each parallel instance's state cache may take, estimated per user from what it holds (about 0.4 KB per song, 0.15 KB per event id, 2-3 KB per user besides): 64m holds about 10,000 users of a few songs, or 800 at max-items 200. Counts against the TaskManager's heap, not state.memory. 0: off (docs/state.md).");
    public static final ConfigKey<String> RESTORE_FROM = ConfigKey.optionalText("state.restore-from",
            "Start from this savepoint or retained checkpoint (its path). Empty: `stream` resumes from the newest retained checkpoint or savepoint of this job.name by itself, and starts without state only when there is none and the job has never run (see state.start-empty).");
    public static final ConfigKey<Boolean> START_EMPTY = ConfigKey.bool("state.start-empty", false,
            "`stream`: allow a start without state when no retained checkpoint or savepoint of this job is found although the job has run before (its consumer group has offsets or its output topic snapshots). Starts a new, higher generation. A found checkpoint or savepoint is always used, so this is safe in a supervisor's command line.");

    public static final ConfigKey<Integer> MAX_ITEMS = ConfigKey.integer("sequence.max-items", 200, 1, 10_000,
            "Songs kept per user; the lowest-ranked (oldest last_time) is evicted first.");
    public static final ConfigKey<Duration> MAX_AGE = ConfigKey.duration("sequence.max-age", "90d", Duration.ofMinutes(1),
            "Songs whose last_time is older than as_of minus this are evicted; events older than it go to the late topic.");
    public static final ConfigKey<Integer> RECENT_EVENTS = ConfigKey.integer("sequence.recent-events", 20, 0, 1000,
            "Raw events kept in the snapshot's recent list.");
    public static final ConfigKey<Duration> DEDUP_WINDOW = ConfigKey.optionalDuration("sequence.dedup-window",
            Duration.ofMinutes(1),
            "How far back (event time, from as_of) repeated event_ids are detected; state holds one entry per event in it. Default: sequence.max-age (every applicable duplicate is caught).");
    public static final ConfigKey<Integer> DEDUP_MAX_IDS = ConfigKey.integer("sequence.dedup-max-ids", 10_000, 2, 10_000_000,
            "Event ids remembered per user for de-duplication, whatever the window: the newest half are always remembered, never more than this (docs/state.md).");
    public static final ConfigKey<Duration> STATE_EXPIRE_AFTER = ConfigKey.optionalDuration("state.expire-after", Duration.ofMinutes(1),
            "A user without events for this long (Kafka record timestamps) loses all its keyed state; its next event starts a new sequence at version 1. Empty: never (docs/state.md).");

    public static final ConfigKey<Duration> HALF_LIFE = ConfigKey.duration("weights.half-life", "14d", ONE_MS,
            "Half-life of the event-time decay. Changing it needs a rebuild of state (decayed sums are stored).");
    public static final ConfigKey<Duration> DEFAULT_DURATION = ConfigKey.duration("weights.default-duration", "3m", ONE_MS,
            "Song length assumed when an event has no duration_ms.");
    public static final ConfigKey<Double> REPEAT_BOOST = ConfigKey.decimal("weights.repeat-boost", 0.5, 0, 1000,
            "Play term multiplier: 1 + repeat-boost * ln(plays).");
    public static final ConfigKey<Double> SKIP_PENALTY = ConfigKey.decimal("weights.skip-penalty", 1.0, 0, 1000,
            "Weight removed per skip, times (1 - completion), decayed.");
    public static final ConfigKey<Double> LIKE_WEIGHT = ConfigKey.decimal("weights.like", 2.0, -1000, 1000,
            "Weight of the first LIKE, decayed from its time.");
    public static final ConfigKey<Double> COLLECT_WEIGHT = ConfigKey.decimal("weights.collect", 3.0, -1000, 1000,
            "Weight of the first COLLECT, decayed from its time.");
    /**
     * One multiplier per play source of ListenEvent v2 ({@code weights.play-source.radio}, ...): the
     * play term of a play from that source is multiplied by it. Built from the PlaySource enum, so a
     * symbol added to the schema gets its key (and needs its README row).
     */
    public static final Map<PlaySource, ConfigKey<Double>> PLAY_SOURCE_WEIGHTS = playSourceWeights();

    public static final ConfigKey<Duration> EMIT_MIN_INTERVAL = ConfigKey.duration("emit.min-interval", "1s", ZERO,
            "At most one snapshot per user per interval: the first change is emitted at once, later ones in the interval together when it ends. 0 emits every change.");

    public static final ConfigKey<Ordering> ORDERING = ConfigKey.choice("ordering.mode", Ordering.ARRIVAL, Ordering.class,
            "arrival: apply each event as it arrives (deterministic when the input is keyed by user). event-time: hold each user's events until the watermark passes them, then apply them in event-time order (deterministic however the input is partitioned; adds ordering.max-disorder of latency).");
    public static final ConfigKey<Duration> MAX_DISORDER = ConfigKey.duration("ordering.max-disorder", "10s", ZERO,
            "event-time ordering: how far event_time may run backwards within a partition. The watermark trails the partition's newest event by this; events at or behind it go to the late topic.");
    public static final ConfigKey<Integer> MAX_PENDING = ConfigKey.integer("ordering.max-pending", 1_000, 1, 10_000_000,
            "event-time ordering: records one user may have waiting for the watermark; more go to the late topic with late-reason PENDING_FULL.");
    public static final ConfigKey<Duration> IDLE_TIMEOUT = ConfigKey.optionalDuration("ordering.idle-timeout", ONE_MS,
            "event-time ordering: a partition without records for this long stops holding the watermark back. Empty: never (deterministic, but an idle partition stalls output).");

    public static final ConfigKey<Instant> BACKFILL_FROM = ConfigKey.optionalInstant("backfill.from",
            "backfill: first record time to read (Kafka record timestamp; epoch ms, ISO-8601 or a date), resolved to per-partition offsets. Empty: the start of each partition.");
    public static final ConfigKey<Instant> BACKFILL_TO = ConfigKey.optionalInstant("backfill.to",
            "backfill: read records before this time (exclusive), resolved to per-partition offsets. Empty: up to the end offsets when the backfill starts.");
    public static final ConfigKey<Boolean> BACKFILL_SAVEPOINT = ConfigKey.bool("backfill.end-with-savepoint", false,
            "backfill: when the range is done, stop with a savepoint that `stream --state.restore-from` continues from, at exactly the offsets where the backfill stopped. false: end of input flushes everything and the job finishes.");
    public static final ConfigKey<BackfillEmit> BACKFILL_EMIT = ConfigKey.choice("backfill.emit",
            BackfillEmit.THROTTLED, BackfillEmit.class,
            "backfill that runs to its end: throttled (as stream: a snapshot per user per emit.min-interval, and the rest at the end) or at-end (one snapshot per changed user when the range is done: no emission timers, no intermediate snapshots in the output or history topic; faster). A backfill ending with a savepoint is always throttled.");
    public static final ConfigKey<Duration> BACKFILL_PROGRESS = ConfigKey.duration("backfill.progress-interval", "10s",
            Duration.ofMillis(100), "backfill: how often progress (offsets done per partition, events/s, ETA) is printed.");

    public static final ConfigKey<Integer> ID_MAX_LENGTH = ConfigKey.integer("ids.max-length", 128, 1, 100_000,
            "Longest user_id, song_id, artist_id, event_id, context or Kafka key accepted, in characters; longer goes to the DLQ.");
    public static final ConfigKey<Duration> MAX_CLOCK_SKEW = ConfigKey.duration("validation.max-clock-skew", "1h", ZERO,
            "Events whose event_time is further than this ahead of their Kafka record timestamp go to the DLQ (they would push as_of into the future); the record's timestamp, not the clock, so a replay decides the same.");

    public static final ConfigKey<Integer> DLQ_MAX_COPY_BYTES = ConfigKey.integer("dlq.max-copy-bytes", 65_536, 0, 16_777_216,
            "Bytes of the original key, and of the original value, a dead letter copies; beyond them it keeps their size and SHA-256 and says they were cut. The DLQ topic's max.message.bytes may cut them further.");

    public static final ConfigKey<Integer> DEMO_USERS = ConfigKey.integer("demo.users", 1000, 1, 10_000_000,
            "Demo: users the generator simulates.");
    public static final ConfigKey<Integer> DEMO_RATE = ConfigKey.integer("demo.events-per-second", 200, 1, 10_000_000,
            "Demo: target rate of generated events.");
    public static final ConfigKey<Duration> DEMO_DURATION = ConfigKey.optionalDuration("demo.duration", ONE_MS,
            "Demo: how long to run. Empty: until Ctrl-C.");
    public static final ConfigKey<Integer> DEMO_SONGS = ConfigKey.integer("demo.songs", 20_000, 10, 10_000_000,
            "Demo: size of the song catalogue (popularity follows a Zipf law).");
    public static final ConfigKey<Long> DEMO_SEED = ConfigKey.longInteger("demo.seed", 42,
            "Demo: random seed of the generator (same seed, same traffic).");
    public static final ConfigKey<Double> DEMO_DUPLICATE_RATE = ConfigKey.decimal("demo.duplicate-rate", 0.01, 0, 1,
            "Demo: share of events sent twice.");
    public static final ConfigKey<Double> DEMO_OUT_OF_ORDER_RATE = ConfigKey.decimal("demo.out-of-order-rate", 0.02, 0, 1,
            "Demo: share of events delayed (event_time minutes to hours in the past).");
    public static final ConfigKey<Double> DEMO_MALFORMED_RATE = ConfigKey.decimal("demo.malformed-rate", 0.005, 0, 1,
            "Demo: share of malformed records (garbage bytes, unknown type, bad ids, bad durations, bad timestamps).");
    public static final ConfigKey<Integer> DEMO_SHOW_USERS = ConfigKey.integer("demo.show-users", 3, 0, 20,
            "Demo: users shown in the live view.");
    public static final ConfigKey<Integer> DEMO_WEB_UI_PORT = ConfigKey.integer("demo.web-ui-port", 8081, 1, 65_535,
            "Demo: port of the Flink web UI.");
    public static final ConfigKey<String> DEMO_WORK_DIR = ConfigKey.text("demo.work-dir", "target/demo",
            "Demo: folder for the broker's log, checkpoints, RocksDB and the log file; emptied at start (only a folder the demo made).");

    public static final ConfigKey<String> READER_HISTORY_TOPIC = ConfigKey.optionalText("reader.history-topic",
            "Reader: topic scanned by as-of lookups and the training export. Default: topics.history when set, else topics.output (which holds only the history compaction has not removed yet).");
    public static final ConfigKey<String> READER_STORE_DIR = ConfigKey.optionalText("reader.store-dir",
            "Reader: folder of an on-disk store (RocksDB) for more users than memory holds; emptied and rebuilt from the topic at each start. Empty: snapshots held in memory.");
    public static final ConfigKey<Integer> READER_HTTP_PORT = ConfigKey.integer("reader.http-port", 8080, 0, 65_535,
            "Reader: port of the HTTP lookup endpoint started by serve (0 picks a free port).");
    public static final ConfigKey<String> READER_HTTP_BIND = ConfigKey.text("reader.http-bind", "127.0.0.1",
            "Reader: address serve listens on. The default, loopback, is reachable from this machine only; 0.0.0.0 (every interface) exposes every user's sequence to the network: set reader.http-token too, and firewall it.");
    public static final ConfigKey<String> READER_HTTP_TOKEN = ConfigKey.secretReference("reader.http-token",
            "Reader: bearer token serve requires on /users/* (Authorization: Bearer <token>), given as ${file:PATH} or ${env:NAME}, never literally. Empty: no token asked.");
    public static final ConfigKey<Integer> READER_HTTP_THREADS = ConfigKey.integer("reader.http-threads", 8, 1, 1024,
            "Reader: threads answering HTTP requests.");
    public static final ConfigKey<Integer> READER_HTTP_QUEUE = ConfigKey.integer("reader.http-queue", 256, 1, 1_000_000,
            "Reader: requests waiting for a thread; beyond it serve answers 503 at once.");
    public static final ConfigKey<Duration> READER_HTTP_TIMEOUT = ConfigKey.duration("reader.http-timeout", "10s",
            Duration.ofSeconds(1), "Reader: a client that takes longer to send its request, or to read the response, is disconnected (whole seconds; the first server in a JVM sets it for all).");
    public static final ConfigKey<Long> READER_HTTP_MAX_RESPONSE = ConfigKey.size("reader.http-max-response", "4m", 1024,
            "Reader: largest response body serve sends; a larger snapshot is answered 500 with a message naming this key.");
    public static final ConfigKey<Duration> READER_MAX_SILENCE = ConfigKey.duration("reader.ready.max-silence", "30s",
            Duration.ofSeconds(1), "Reader: not ready (/ready 503, isReady() false) when no broker request has succeeded for this long: the reader has lost the broker and serves what it last read.");
    public static final ConfigKey<Long> READER_MAX_LAG_RECORDS = ConfigKey.longInteger("reader.ready.max-lag-records", 100_000,
            "Reader: not ready when more records than this wait to be read (over all partitions, committed records only).");
    public static final ConfigKey<Duration> READER_MAX_LAG = ConfigKey.duration("reader.ready.max-lag", "1m", Duration.ofSeconds(1),
            "Reader: not ready when records wait to be read and the newest record read is older (Kafka record time) than this.");
    public static final ConfigKey<Instant> EXAMPLES_FROM = ConfigKey.optionalInstant("examples.from",
            "examples: first input record time to read for labels (Kafka record timestamp; epoch ms, ISO-8601 or a date). Unset: the start of each partition. Alias `--from`.");
    public static final ConfigKey<Instant> EXAMPLES_TO = ConfigKey.optionalInstant("examples.to",
            "examples: read input records before this time (exclusive). Unset: up to the end offsets when the command starts. Alias `--to`.");
    public static final ConfigKey<String> EXAMPLES_LABEL_TYPES = ConfigKey.text("examples.label-types", "play,like,collect",
            "examples: event types that make a positive example, comma-separated among play, like, collect (a play only when completed past examples.min-completion).");
    public static final ConfigKey<Double> EXAMPLES_MIN_COMPLETION = ConfigKey.decimal("examples.min-completion", 0.8, 0, 1,
            "examples: a PLAY is a positive when played_ms / duration_ms (weights.default-duration when unknown) is at least this.");
    public static final ConfigKey<Integer> EXAMPLES_SEQUENCE_LENGTH = ConfigKey.integer("examples.sequence-length", 50, 1, 10_000,
            "examples: length L of every per-position array: the L most recent items of the sequence, padded with 0 and masked.");
    public static final ConfigKey<Integer> EXAMPLES_VOCAB_MIN_COUNT = ConfigKey.integer("examples.vocab-min-count", 2, 1, Integer.MAX_VALUE,
            "examples: a new song or artist id enters the vocabulary when it occurs in at least this many input events of the run; rarer ids map to the out-of-vocabulary index 1.");
    public static final ConfigKey<String> EXAMPLES_VOCAB = ConfigKey.optionalText("examples.vocab",
            "examples: vocabulary file, read when it exists (existing ids keep their index) and rewritten with new ids appended. Default: vocab.tsv beside the output file.");
    public static final ConfigKey<String> EXAMPLES_ROW_GROUP_SIZE = ConfigKey.text("examples.row-group-size", "32m",
            "examples: target Parquet row group size (bytes, e.g. 32m): the unit a training reader shards and reads at once.");
    public static final ConfigKey<Integer> EXAMPLES_BUCKET_RECORDS = ConfigKey.integer("examples.bucket-records", 500_000, 1_000, Integer.MAX_VALUE,
            "examples: labels and snapshots are spilled to disk in buckets by user, sized for about this many records each; one bucket is in memory at a time.");
    public static final ConfigKey<String> EXAMPLES_SPILL_DIR = ConfigKey.optionalText("examples.spill-dir",
            "examples: folder for the spill files (removed at the end; needs about the size of the labelled users' history). Default: the JVM's temporary directory.");

    public static final ConfigKey<Integer> CLUSTER_TASKMANAGERS = ConfigKey.integer("cluster.taskmanagers", 2, 1, 8,
            "Cluster command: TaskManager processes (one slot each); at least parallelism.");
    public static final ConfigKey<Duration> CLUSTER_KILL_AFTER = ConfigKey.optionalDuration("cluster.kill-taskmanager-after",
            ONE_MS, "Cluster command: kill -9 one TaskManager this long after the start, start a replacement, and print the recovery time. Empty: no kill.");
    public static final ConfigKey<String> CLUSTER_WORK_DIR = ConfigKey.text("cluster.work-dir", "target/cluster",
            "Cluster command: folder for each run's broker, checkpoints, cluster configuration and process logs (a new run-* folder per run).");

    public static final List<ConfigKey<?>> ALL = concat(List.of(
            JOB_NAME, PARALLELISM, MAX_PARALLELISM,
            BOOTSTRAP_SERVERS, GROUP_ID,
            TOPIC_INPUT, TOPIC_OUTPUT, TOPIC_DLQ, TOPIC_LATE, TOPIC_HISTORY, TOPICS_CREATE, TOPICS_PARTITIONS, TOPICS_REPLICATION,
            STARTING_OFFSETS,
            DELIVERY, TRANSACTIONAL_ID_PREFIX, TRANSACTION_TIMEOUT,
            CHECKPOINT_INTERVAL, CHECKPOINT_TIMEOUT, CHECKPOINT_DIR, SAVEPOINT_DIR, CHECKPOINTS_RETAINED,
            STATE_BACKEND, STATE_INCREMENTAL, STATE_LOCAL_DIR, STATE_MEMORY, STATE_CACHE_USERS, STATE_CACHE_MEMORY, RESTORE_FROM, START_EMPTY,
            MAX_ITEMS, MAX_AGE, RECENT_EVENTS, DEDUP_WINDOW, DEDUP_MAX_IDS, STATE_EXPIRE_AFTER,
            HALF_LIFE, DEFAULT_DURATION, REPEAT_BOOST, SKIP_PENALTY, LIKE_WEIGHT, COLLECT_WEIGHT,
            EMIT_MIN_INTERVAL, ORDERING, MAX_DISORDER, MAX_PENDING, IDLE_TIMEOUT,
            BACKFILL_FROM, BACKFILL_TO, BACKFILL_SAVEPOINT, BACKFILL_EMIT, BACKFILL_PROGRESS,
            ID_MAX_LENGTH, MAX_CLOCK_SKEW, DLQ_MAX_COPY_BYTES,
            DEMO_USERS, DEMO_RATE, DEMO_DURATION, DEMO_SONGS, DEMO_SEED,
            DEMO_DUPLICATE_RATE, DEMO_OUT_OF_ORDER_RATE, DEMO_MALFORMED_RATE,
            DEMO_SHOW_USERS, DEMO_WEB_UI_PORT, DEMO_WORK_DIR,
            READER_HISTORY_TOPIC, READER_STORE_DIR, READER_HTTP_PORT, READER_HTTP_BIND, READER_HTTP_TOKEN,
            READER_HTTP_THREADS, READER_HTTP_QUEUE, READER_HTTP_TIMEOUT, READER_HTTP_MAX_RESPONSE,
            READER_MAX_SILENCE, READER_MAX_LAG_RECORDS, READER_MAX_LAG,
            EXAMPLES_FROM, EXAMPLES_TO, EXAMPLES_LABEL_TYPES, EXAMPLES_MIN_COMPLETION, EXAMPLES_SEQUENCE_LENGTH,
            EXAMPLES_VOCAB_MIN_COUNT, EXAMPLES_VOCAB, EXAMPLES_ROW_GROUP_SIZE, EXAMPLES_BUCKET_RECORDS, EXAMPLES_SPILL_DIR,
            CLUSTER_TASKMANAGERS, CLUSTER_KILL_AFTER, CLUSTER_WORK_DIR),
            PLAY_SOURCE_WEIGHTS.values());

    private static Map<PlaySource, ConfigKey<Double>> playSourceWeights() {
        Map<PlaySource, ConfigKey<Double>> keys = new EnumMap<>(PlaySource.class);
        for (PlaySource source : PlaySource.values()) {
            keys.put(source, ConfigKey.decimal("weights.play-source." + ConfigKey.word(source), 1.0, 0, 1000,
                    "Multiplier of the play term for plays from " + source + " (ListenEvent v2's play_source"
                            + (source == PlaySource.UNKNOWN ? "; also symbols this build does not know" : "")
                            + "). Plays without a play source (v1 events) are not scaled. Applied when the play is"
                            + " applied: a change weighs later plays only, until a backfill rebuilds state."));
        }
        return Collections.unmodifiableMap(keys);
    }

    private static List<ConfigKey<?>> concat(List<ConfigKey<?>> keys, Collection<? extends ConfigKey<?>> more) {
        List<ConfigKey<?>> all = new ArrayList<>(keys);
        all.addAll(more);
        return List.copyOf(all);
    }

    private ConfigKeys() {
    }
}
