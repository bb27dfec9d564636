package dev.listenseq.config;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One configuration key: its name, default, meaning, and how its text becomes a typed value.
 * Parsers throw {@link IllegalArgumentException} whose message completes the sentence
 * "{@code <key> is "<value>"; ...}", so every error names the key, the value and the rule.
 */
public final class ConfigKey<T> {

    private final String name;
    private final String defaultValue;
    private final String description;
    private final Function<String, T> parser;
    private final boolean secret;

    private ConfigKey(String name, String defaultValue, String description, Function<String, T> parser) {
        this(name, defaultValue, description, parser, false);
    }

    private ConfigKey(String name, String defaultValue, String description, Function<String, T> parser, boolean secret) {
        this.name = name;
        this.defaultValue = defaultValue;
        this.description = description;
        this.parser = parser;
        this.secret = secret;
    }

    public String name() {
        return name;
    }

    /** The default as written in a job file; empty for "unset". */
    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** Whether the value is a secret: it is never echoed in messages. */
    public boolean secret() {
        return secret;
    }

    T parse(String text) {
        return parser.apply(text);
    }

    /**
     * A secret that may be left empty ("not set"); when set it must be an {@code ${env:NAME}} or
     * {@code ${file:PATH}} reference (see {@link Secrets}), and parses to what it points at.
     */
    static ConfigKey<String> secretReference(String name, String description) {
        return new ConfigKey<>(name, "", description, s -> {
            if (s.isBlank()) {
                return "";
            }
            if (!Secrets.isReference(s)) {
                throw new IllegalArgumentException("it must be ${env:NAME} or ${file:PATH}: a secret given literally"
                        + " shows in the process list, shell history and job files");
            }
            String value = Secrets.resolve(s, System::getenv).trim();
            if (value.isEmpty()) {
                throw new IllegalArgumentException("it points at an empty value");
            }
            return value;
        }, true);
    }

    /** A memory size such as 512k or 4m (see {@link Sizes}), in bytes, at least min. */
    static ConfigKey<Long> size(String name, String defaultValue, long min, String description) {
        return new ConfigKey<>(name, defaultValue, description, s -> {
            long v = Sizes.parse(s);
            if (v < min) {
                throw new IllegalArgumentException("it must be a size such as 512k or 4m, at least " + min + " bytes");
            }
            return v;
        });
    }

    static ConfigKey<String> text(String name, String defaultValue, String description) {
        return new ConfigKey<>(name, defaultValue, description, s -> {
            if (s.isBlank()) {
                throw new IllegalArgumentException("it must not be empty");
            }
            return s.trim();
        });
    }

    /** A text that may be left empty, meaning "not set". */
    static ConfigKey<String> optionalText(String name, String description) {
        return new ConfigKey<>(name, "", description, String::trim);
    }

    static ConfigKey<Integer> integer(String name, int defaultValue, int min, int max, String description) {
        return new ConfigKey<>(name, String.valueOf(defaultValue), description, s -> {
            int v;
            try {
                v = Integer.parseInt(s.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("it must be an integer from " + min + " to " + max);
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException("it must be an integer from " + min + " to " + max);
            }
            return v;
        });
    }

    static ConfigKey<Long> longInteger(String name, long defaultValue, String description) {
        return new ConfigKey<>(name, String.valueOf(defaultValue), description, s -> {
            try {
                return Long.parseLong(s.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("it must be an integer");
            }
        });
    }

    static ConfigKey<Double> decimal(String name, double defaultValue, double min, double max, String description) {
        return new ConfigKey<>(name, String.valueOf(defaultValue), description, s -> {
            double v;
            try {
                v = Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("it must be a number from " + min + " to " + max);
            }
            if (!(v >= min && v <= max)) {
                throw new IllegalArgumentException("it must be a number from " + min + " to " + max);
            }
            return v;
        });
    }

    static ConfigKey<Boolean> bool(String name, boolean defaultValue, String description) {
        return new ConfigKey<>(name, String.valueOf(defaultValue), description, s -> {
            String v = s.trim().toLowerCase(Locale.ROOT);
            if (v.equals("true") || v.equals("false")) {
                return Boolean.parseBoolean(v);
            }
            throw new IllegalArgumentException("it must be true or false");
        });
    }

    static ConfigKey<Duration> duration(String name, String defaultValue, Duration min, String description) {
        return new ConfigKey<>(name, defaultValue, description, s -> {
            Duration d = Durations.parse(s);
            if (d.compareTo(min) < 0) {
                throw new IllegalArgumentException("it must be at least " + Durations.format(min));
            }
            return d;
        });
    }

    /** A duration that may be left empty, meaning "not set" (parsed as null). */
    static ConfigKey<Duration> optionalDuration(String name, Duration min, String description) {
        return new ConfigKey<>(name, "", description, s -> {
            if (s.isBlank()) {
                return null;
            }
            Duration d = Durations.parse(s);
            if (d.compareTo(min) < 0) {
                throw new IllegalArgumentException("it must be at least " + Durations.format(min));
            }
            return d;
        });
    }

    /** A point in time (see {@link Instants}) that may be left empty, meaning "not set" (parsed as null). */
    static ConfigKey<Instant> optionalInstant(String name, String description) {
        return new ConfigKey<>(name, "", description, s -> s.isBlank() ? null : Instants.parse(s));
    }

    /** One of a fixed set of words, mapped to an enum whose constant names are the words in upper snake case. */
    static <E extends Enum<E>> ConfigKey<E> choice(String name, E defaultValue, Class<E> type, String description) {
        String allowed = Arrays.stream(type.getEnumConstants()).map(ConfigKey::word).collect(Collectors.joining(", "));
        return new ConfigKey<>(name, word(defaultValue), description, s -> {
            for (E constant : type.getEnumConstants()) {
                if (word(constant).equalsIgnoreCase(s.trim())) {
                    return constant;
                }
            }
            throw new IllegalArgumentException("it must be one of " + allowed);
        });
    }

    /** The word for an enum constant: EXACTLY_ONCE is written exactly-once. */
    public static String word(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
