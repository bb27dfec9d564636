package dev.listenseq.app;

import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.JobConfig;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;

import java.time.Duration;

/** Translates {@link JobConfig} into Flink configuration: state backend, checkpoints, parallelism. */
public final class FlinkSettings {

    private FlinkSettings() {
    }

    public static Configuration toFlink(JobConfig config) {
        Configuration flink = new Configuration();
        flink.set(PipelineOptions.NAME, config.jobName());
        flink.set(CoreOptions.DEFAULT_PARALLELISM, config.parallelism());
        flink.set(PipelineOptions.MAX_PARALLELISM, config.maxParallelism());
        // State holds Avro records and Flink types only; a Kryo fallback would not evolve, so fail fast.
        flink.set(PipelineOptions.GENERIC_TYPES, false);
        // Without object reuse every record passed between chained operators is deep-copied; for the
        // snapshots handed to the Kafka sink that was ~13% of the keyed task's CPU (JFR, bench). Safe
        // here: no function keeps or changes a record after emitting it or after processing it.
        flink.set(PipelineOptions.OBJECT_REUSE, true);
        // A record waits in a network buffer until the buffer fills or this timeout: Flink's 100 ms
        // default was most of the at-least-once median latency (44 ms, against 13 ms at 10 ms).
        flink.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(10));

        flink.set(StateBackendOptions.STATE_BACKEND,
                config.stateBackend() == ConfigKeys.StateBackend.ROCKSDB ? "rocksdb" : "hashmap");
        flink.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, config.incrementalCheckpoints());
        // Most state reads miss: every new event_id in "seen", every new song in "items". Bloom
        // filters let RocksDB skip the files that cannot hold the key: 6-16% less CPU per event on
        // the bench (job, RocksDB; three A/B pairs). Files written without filters stay readable.
        flink.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        // The trailing-edge timers on the heap, not in RocksDB: a user holds at most one, only while a
        // change waits out emit.min-interval, so they are few. In RocksDB they fell behind under load
        // (on time at 500 events/s): at 7,000 events/s the throttled at-least-once median was
        // 1,580 ms against 625 ms on the heap (ideal: half the interval).
        // Canonical savepoints carry pending timers across this change both ways (tested).
        flink.set(RocksDBOptions.TIMER_SERVICE_FACTORY, EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
        // Only a process that runs the job on its own embedded cluster (stream, demo, bench) reads
        // this; a Flink cluster's TaskManagers size their managed memory themselves. Flink's local
        // default (128 MB for all slots) left RocksDB so little that flushes and compactions took
        // 18% of the job's CPU; 1g is about what a 4 GB TaskManager gives two slots.
        flink.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, new MemorySize(config.stateMemoryBytes()));
        if (config.stateLocalDir() != null) {
            flink.set(RocksDBOptions.LOCAL_DIRECTORIES, config.stateLocalDir());
        }
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, config.checkpointInterval());
        flink.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, config.checkpointTimeout());
        flink.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointDir());
        flink.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, config.savepointDir());
        // Kept when the job fails or is cancelled (a killed process deletes nothing either), so a
        // restart resumes from them; several, so a damaged newest one has a fallback.
        flink.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        flink.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, config.checkpointsRetained());
        if (config.restoreFrom() != null) {
            flink.set(StateRecoveryOptions.SAVEPOINT_PATH, config.restoreFrom());
        }
        // The escape hatch last, so it can override anything above.
        config.flinkProperties().forEach(flink::setString);
        return flink;
    }
}
