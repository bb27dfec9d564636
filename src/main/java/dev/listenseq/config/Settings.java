package dev.listenseq.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Raw key/value settings of one run: a job definition file from {@code jobs/} overlaid with
 * {@code --key value} arguments, remembering where each value came from so errors can say what to
 * fix. Typed access goes through {@link #get(ConfigKey)}; {@link #validate()} checks every key at once.
 */
public final class Settings {

    /** Short flags for the keys people set most. */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("bootstrap-servers", ConfigKeys.BOOTSTRAP_SERVERS.name()),
            Map.entry("users", ConfigKeys.DEMO_USERS.name()),
            Map.entry("events-per-second", ConfigKeys.DEMO_RATE.name()),
            Map.entry("duration", ConfigKeys.DEMO_DURATION.name()),
            Map.entry("seed", ConfigKeys.DEMO_SEED.name()),
            Map.entry("parallelism", ConfigKeys.PARALLELISM.name()),
            Map.entry("delivery", ConfigKeys.DELIVERY.name()),
            Map.entry("from", ConfigKeys.BACKFILL_FROM.name()),
            Map.entry("to", ConfigKeys.BACKFILL_TO.name()),
            Map.entry("end-with-savepoint", ConfigKeys.BACKFILL_SAVEPOINT.name()),
            Map.entry("topic", ConfigKeys.TOPIC_OUTPUT.name()),
            Map.entry("history-topic", ConfigKeys.READER_HISTORY_TOPIC.name()),
            Map.entry("port", ConfigKeys.READER_HTTP_PORT.name()));

    private final Map<String, String> values;
    private final Map<String, String> origins;

    private Settings(Map<String, String> values, Map<String, String> origins) {
        this.values = values;
        this.origins = origins;
    }

    /** Settings from explicit values only (tests, embedding). */
    public static Settings of(Map<String, String> values) {
        Map<String, String> origins = new LinkedHashMap<>();
        values.keySet().forEach(k -> origins.put(k, "the given settings"));
        Settings settings = new Settings(new LinkedHashMap<>(values), origins);
        settings.validate();
        return settings;
    }

    /**
     * Loads the job definition for a command and applies command-line overrides.
     *
     * <p>The file is {@code --job PATH} when given, else {@code jobs/<defaultJob>.properties} in the
     * working directory, else the copy bundled in the jar.
     */
    public static Settings load(String defaultJob, List<String> args) {
        Map<String, String> overrides = new LinkedHashMap<>();
        Map<String, String> flags = new LinkedHashMap<>();
        String jobFile = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException("unexpected argument \"" + arg + "\"; settings are given as --key value or --key=value");
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new ConfigException("--" + name + " needs a value");
            }
            if (name.equals("job")) {
                jobFile = value;
            } else {
                String key = ALIASES.getOrDefault(name, name);
                overrides.put(key, value);
                flags.put(key, "--" + name);
            }
        }

        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        String origin = readJobFile(defaultJob, jobFile, values);
        values.keySet().forEach(k -> origins.put(k, origin));
        overrides.forEach((k, v) -> {
            values.put(k, v);
            origins.put(k, flags.get(k));
        });
        Settings settings = new Settings(values, origins);
        settings.validate();
        return settings;
    }

    private static String readJobFile(String defaultJob, String explicitPath, Map<String, String> into) {
        Path path = explicitPath != null ? Path.of(explicitPath) : Path.of("jobs", defaultJob + ".properties");
        try {
            if (Files.exists(path)) {
                into.putAll(parse(Files.readString(path, StandardCharsets.UTF_8)));
                return path.toString();
            }
            if (explicitPath != null) {
                throw new ConfigException("job file " + explicitPath + " does not exist");
            }
            String resource = "jobs/" + defaultJob + ".properties";
            try (InputStream in = Settings.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new ConfigException("no job definition " + path + " here and none bundled as " + resource);
                }
                into.putAll(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                return resource + " (bundled)";
            }
        } catch (IOException e) {
            throw new ConfigException("cannot read job file " + path + ": " + e.getMessage());
        }
    }

    private static Map<String, String> parse(String text) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = new StringReader(text)) {
            properties.load(reader);
        }
        Map<String, String> sorted = new TreeMap<>();
        properties.forEach((k, v) -> sorted.put(k.toString().trim(), v.toString().trim()));
        return sorted;
    }

    /** Returns a copy with the given values overriding these (tests and commands that fix a key). */
    public Settings with(Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(this.values);
        Map<String, String> origins = new LinkedHashMap<>(this.origins);
        overrides.forEach((k, v) -> {
            values.put(k, v);
            origins.put(k, "the given settings");
        });
        Settings settings = new Settings(values, origins);
        settings.validate();
        return settings;
    }

    public <T> T get(ConfigKey<T> key) {
        String text = values.getOrDefault(key.name(), key.defaultValue());
        try {
            return key.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(problem(key, key.secret() && !Secrets.isReference(text) ? "(hidden)" : text,
                    e.getMessage()));
        }
    }

    /** Whether the key was given explicitly (job file or command line), not left to its default. */
    public boolean isSet(ConfigKey<?> key) {
        return values.containsKey(key.name());
    }

    /**
     * Values of keys under a pass-through prefix, with the prefix removed and {@code ${env:...}} and
     * {@code ${file:...}} references resolved (see {@link Secrets}).
     */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> result = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                try {
                    result.put(k.substring(prefix.length()), Secrets.resolve(v, System::getenv));
                } catch (IllegalArgumentException e) {
                    problems.add(problem(k, v, e.getMessage()));
                }
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return result;
    }

    /** A sentence naming the key, its value, the rule it breaks and where to fix it. */
    public String problem(ConfigKey<?> key, String value, String rule) {
        return problem(key.name(), value, rule);
    }

    private String problem(String key, String value, String rule) {
        String origin = origins.get(key);
        String fix = origin == null
                ? "set it in the job file or with --" + key
                : origin.startsWith("--") ? "fix the " + origin + " argument" : "fix it in " + origin;
        return key + " is \"" + value + "\"; " + rule + " (" + fix + ")";
    }

    /** Checks that every key is known and every value parses; reports all problems together. */
    public void validate() {
        List<String> problems = new ArrayList<>();
        Map<String, ConfigKey<?>> known = new LinkedHashMap<>();
        ConfigKeys.ALL.forEach(k -> known.put(k.name(), k));
        for (String name : values.keySet()) {
            if (known.containsKey(name)
                    || name.startsWith(ConfigKeys.KAFKA_CLIENT_PREFIX)
                    || name.startsWith(ConfigKeys.FLINK_PREFIX)) {
                continue;
            }
            String suggestion = closest(name, known.keySet());
            problems.add("unknown key \"" + name + "\" (from " + origins.get(name) + ")"
                    + (suggestion == null ? "" : "; did you mean \"" + suggestion + "\"?")
                    + " Run `./listenseq help` for every key.");
        }
        for (String prefix : List.of(ConfigKeys.KAFKA_CLIENT_PREFIX, ConfigKeys.FLINK_PREFIX)) {
            try {
                withPrefix(prefix);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        for (ConfigKey<?> key : known.values()) {
            try {
                get(key);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private static String closest(String name, Iterable<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = editDistance(name, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= Math.max(2, name.length() / 4) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
