package dev.listenseq.chaos;

import dev.listenseq.config.ConfigException;
import dev.listenseq.config.Durations;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The chaos command's own flags; every other {@code --key value} is a job setting passed on to the
 * job unchanged. Defaults give the full run the issue asks for: 20 faults of four kinds.
 */
public record ChaosOptions(int faults, Set<FaultKind> kinds, long seed, Duration brokerOutage, Duration gap,
                           int users, int rate, Duration recoveryTimeout, Path workDir, List<String> jobArgs) {

    public static final String DEFAULT_KINDS = "exception,taskmanager,broker,after-checkpoint";

    public static final List<String> HELP = List.of(
            "  chaos    the job under live traffic (duplicates, delays, malformed and late records) with faults",
            "           injected at random (seeded) moments, then checks from the topics alone: versions never go",
            "           backwards and have no gaps, final snapshots equal a failure-free replay, in = applied +",
            "           duplicates + late + dead-lettered, no transaction left open (docs/chaos.md). Flags (default):",
            "           --faults N (20) --kinds LIST (" + DEFAULT_KINDS + "; also jobmanager",
            "           (ZooKeeper HA), or process alone: needs `stream` to resume by itself) --seed N (1) --broker-outage D (30s) --gap D (5s)",
            "           --users N (200) --rate N events/s (150) --recovery-timeout D (3m) --work-dir DIR (target/chaos);",
            "           any key below as --key value goes to the job.");

    public static ChaosOptions parse(List<String> args) {
        int faults = 20;
        String kinds = DEFAULT_KINDS;
        long seed = 1;
        Duration outage = Duration.ofSeconds(30);
        Duration gap = Duration.ofSeconds(5);
        int users = 200;
        int rate = 150;
        Duration recovery = Duration.ofMinutes(3);
        Path workDir = Path.of("target", "chaos");
        List<String> jobArgs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (i + 1 >= args.size()) {
                throw new ConfigException("\"" + flag + "\" needs a value: flags are given as --flag value");
            }
            String value = args.get(++i);
            switch (flag) {
                case "--faults" -> faults = positive(flag, value);
                case "--kinds" -> kinds = value;
                case "--seed" -> seed = Long.parseLong(value);
                case "--broker-outage" -> outage = Durations.parse(value);
                case "--gap" -> gap = Durations.parse(value);
                case "--users" -> users = positive(flag, value);
                case "--rate" -> rate = positive(flag, value);
                case "--recovery-timeout" -> recovery = Durations.parse(value);
                case "--work-dir" -> workDir = Path.of(value);
                default -> {
                    jobArgs.add(flag);
                    jobArgs.add(value);
                }
            }
        }
        Set<FaultKind> parsed = new LinkedHashSet<>();
        for (String name : kinds.split(",")) {
            try {
                parsed.add(FaultKind.parse(name));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--kinds " + kinds + ": unknown fault kind \"" + name.trim()
                        + "\"; the kinds are exception, taskmanager, broker, after-checkpoint, jobmanager, process");
            }
        }
        boolean process = parsed.stream().anyMatch(FaultKind::needsProcessTarget);
        boolean cluster = parsed.stream().anyMatch(FaultKind::needsClusterTarget);
        if (process && cluster) {
            throw new ConfigException("--kinds " + kinds + ": process runs the job as a `stream` process, taskmanager,"
                    + " after-checkpoint and jobmanager need the multi-process cluster; run them in separate runs");
        }
        if (faults < parsed.size()) {
            throw new ConfigException("--faults " + faults + " is fewer than the " + parsed.size()
                    + " kinds asked for; give at least one fault per kind");
        }
        return new ChaosOptions(faults, parsed, seed, outage, gap, users, rate, recovery, workDir, List.copyOf(jobArgs));
    }

    /** The job runs on the multi-process cluster unless a kind needs it as a {@code stream} process. */
    public boolean processTarget() {
        return kinds.stream().anyMatch(FaultKind::needsProcessTarget);
    }

    private static int positive(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(flag + " " + value + ": must be a positive whole number");
    }
}
