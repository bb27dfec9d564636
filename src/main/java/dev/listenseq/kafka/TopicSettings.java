package dev.listenseq.kafka;

import java.util.Arrays;
import java.util.List;

/**
 * The job's topics and how missing ones are created.
 *
 * @param input             one topic, or several separated by commas
 * @param history           null when the job writes no history topic
 * @param replicationFactor 0 means the broker's default
 */
public record TopicSettings(String input, String output, String dlq, String late, String history,
                            boolean create, int partitions, int replicationFactor) {

    /** The input topics: input split at commas. */
    public List<String> inputs() {
        return Arrays.stream(input.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
    }
}
