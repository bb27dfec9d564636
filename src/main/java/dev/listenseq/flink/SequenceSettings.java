package dev.listenseq.flink;

import dev.listenseq.sequence.SequencePolicy;
import dev.listenseq.sequence.StateLimits;
import dev.listenseq.sequence.ValidationRules;
import dev.listenseq.sequence.Weighting;

import java.io.Serializable;
import java.time.Duration;

/**
 * What the job's Flink functions need from the configuration: the sequence policy, state caps and
 * weighting, the input checks, and how events are ordered. Everything here shapes results (and a
 * replay must be given the same), unlike where the job runs or reads from.
 *
 * @param dlqMaxCopyBytes how much of a bad record's key and value a dead letter keeps
 * @param ordering        event-time ordering, or null to apply events as they arrive
 * @param stateCache      how much of the recently active users' state each subtask keeps decoded in
 *                        memory between checkpoints (RocksDB only, see {@link SequenceOperator})
 */
public record SequenceSettings(SequencePolicy policy, StateLimits limits, Weighting weighting,
                               ValidationRules validation, int dlqMaxCopyBytes, Duration emitMinInterval,
                               EventTimeOrdering ordering, StateCache stateCache) implements Serializable {

    /**
     * Events are held until the watermark passes them: watermarks trail each partition's newest event
     * time by maxDisorder; a partition silent for idleTimeout (null: never) stops holding them back.
     */
    public record EventTimeOrdering(Duration maxDisorder, Duration idleTimeout) implements Serializable {
    }

    public boolean eventTime() {
        return ordering != null;
    }
}
