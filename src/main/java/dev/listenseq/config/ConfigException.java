package dev.listenseq.config;

import java.util.List;

/** The configuration cannot be used; the message lists every problem with its key, value and fix. */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(problems.size() == 1
                ? problems.get(0)
                : "the configuration has " + problems.size() + " problems:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
