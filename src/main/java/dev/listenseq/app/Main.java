package dev.listenseq.app;

import dev.listenseq.config.ConfigException;
import dev.listenseq.config.ConfigKey;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.StartupException;
import dev.listenseq.examples.ExamplesCommand;
import dev.listenseq.reader.ReaderCommands;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The command-line entry point: {@code demo}, {@code stream}, the feature consumers' commands
 * ({@code get}, {@code tail}, {@code export}, {@code serve}, {@code examples}; Flink-free, in the reader
 * and examples packages),
 * {@code backfill} or {@code help}; the development tools (bench, cluster ...) live in src/tools. Thin on purpose:
 * parse settings, hand over to the command. Nothing here logs, so the demo can route logging to a
 * file before the first logger is created.
 */
public final class Main {

    /** Commands of src/tools (benchmarks, local cluster, chaos): not in the job jar; ./listenseq runs them. */
    private static final Set<String> TOOLS = Set.of("bench", "reader-bench", "examples-bench", "state-bench", "cluster", "chaos");

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        if (command.equals("stream") && JobRunner.insideFlinkCluster()) {
            // Submitted to a cluster (CLI, REST or application mode), so this may be the JobManager's JVM:
            // never exit it; errors go back to whoever submitted the job as exceptions.
            StreamCommand.submit(rest);
            return;
        }
        if (command.equals("backfill") && JobRunner.insideFlinkCluster()) {
            BackfillCommand.submit(rest);
            return;
        }
        exit(() -> run(command, rest));
    }

    private static int run(String command, List<String> rest) throws Exception {
        switch (command) {
            case "demo":
                return DemoCommand.run(rest);
            case "stream":
                return StreamCommand.run(rest);
            case "backfill":
                return BackfillCommand.run(rest);
            case "get":
            case "tail":
            case "export":
            case "serve":
                return ReaderCommands.run(command, rest, System.out, System.err);
            case "examples":
                return ExamplesCommand.run(rest, System.out, System.err);
            case "help":
            case "--help":
            case "-h":
                printHelp();
                return 0;
            default:
                if (TOOLS.contains(command)) {
                    System.err.println("error: " + command + " is a development tool: it runs from a source checkout,"
                            + " as ./listenseq " + command);
                    return 2;
                }
                System.err.println("unknown command \"" + command + "\"\n");
                printHelp();
                return 2;
        }
    }

    /** A command's body: returns the exit code, or throws. */
    public interface Command {
        int run() throws Exception;
    }

    /**
     * Runs a command and exits the JVM with its code; configuration and start-up errors become one
     * line on stderr (exit 2 and 1), never a stack trace.
     */
    public static void exit(Command command) throws Exception {
        int code;
        try {
            code = command.run();
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            code = 2;
        } catch (StartupException e) {
            System.err.println("error: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    private static void printHelp() {
        System.out.println(String.join("\n",
                "listening-sequence-builder: repeat-aware, duration-weighted listening sequences on Apache Flink",
                "",
                "usage: listenseq <command> [--job FILE] [--key value ...]",
                "",
                "commands:",
                "  demo     everything in one process: embedded Kafka, traffic generator, the job with its web UI,",
                "           and a live view of sequences. Flags: --users N --events-per-second N --duration 5m",
                "           --bootstrap-servers HOST:PORT (use an external Kafka instead of the embedded one)",
                "  stream   the always-on job against a Kafka cluster (job file jobs/streaming.properties);",
                "           --bootstrap-servers HOST:PORT and any key below override the file. SIGTERM stops it",
                "           with a savepoint; after a stop or a crash the same command resumes from the newest",
                "           checkpoint or savepoint of its job.name (docs/crash-safety.md). Submitted to a",
                "           Flink cluster (target/listenseq-job.jar), it submits the job and returns.",
                "  backfill the same job over a time range of the input topics (job file jobs/backfill.properties):",
                "           --from T --to T (epoch ms, ISO-8601 or a date; Kafka record time, [from, to)),",
                "           --end-with-savepoint true to hand off to `stream` exactly where it stopped.",
                "           Prints progress per partition; SIGTERM stops it with a savepoint it can resume from.",
                "",
                "feature consumers (no Flink needed; same job file and --key value settings):"));
        ReaderCommands.HELP.forEach(System.out::println);
        ExamplesCommand.HELP.forEach(System.out::println);
        System.out.println(String.join("\n",
                "",
                "development tools (src/tools: run from a source checkout with ./listenseq; not in the job jar):",
                "  cluster  the job jar on a real Flink cluster of separate processes on this machine: Kafka, a",
                "           JobManager and TaskManagers, traffic (job file jobs/cluster.properties). Flags as for demo,",
                "           --cluster.kill-taskmanager-after 30s kills one TaskManager and prints the recovery time.",
                "  reader-bench [--users N] [--items N] [--requests N]",
                "           get latency from the library and over HTTP on loopback, and memory per user",
                "  examples-bench [--events N] [--users N] [--songs N] [--heap SIZE] [--format parquet|jsonl]",
                "           [--history direct|job]: examples/s and peak memory of `examples` in a child JVM with a",
                "           capped heap, over a generated history (default 1,000,000 events; BENCHMARKS.md)",
                "  state-bench [--users N (1000000)] [--items N (100)] [--work-dir DIR] [--keep false]: a savepoint",
                "           of N users x M items written in bulk, the job restored from it in a child JVM",
                "           (--worker-heap 2g, --state-memory 1g); restore time, full and incremental checkpoint,",
                "           RSS, native-savepoint restore. Also --songs N --seed N --traffic N (100000)",
                "           --sample-users N (100000) --parallelism N (2) --native true|false (BENCHMARKS.md)",
                "  bench    throughput, latency and scaling against a pass-through job and Kafka Streams, in one",
                "           run on this machine (BENCHMARKS.md). Flags (default): --events N (600000) --users N",
                "           (100000) --songs N (100000) --seed N (42) --runs N (1) --partitions N (4)",
                "           --parallelism N (2) --checkpoint-interval D (10s) --emit-interval D (1s)",
                "           --delivery exactly-once|at-least-once (exactly-once) --cases LIST (all of pass-through,",
                "           job-rocksdb-100,job-rocksdb-100-emit-0,job-rocksdb-100-checkpoint-1s,job-rocksdb-1000,",
                "           job-hashmap-100,job-hashmap-1000,kafka-streams,backfill,backfill-at-end,hot-user,",
                "           long-sequences,latency) --hot-user-share S (0.1: the bot's",
                "           share of the hot-user topic) --long-users N (100) --long-events N (1000000) --long-songs N",
                "           (1000000): the long-sequences input",
                "           --latency-duration D (20s) --latency-rate N (0: half the job's measured rate)",
                "           --worker-heap SIZE (2g) --bootstrap-servers HOST:PORT (embedded broker) --work-dir DIR",
                "           (a new temp folder) --jfr true (a JFR profile per case in the work folder); any key",
                "           below as --key value applies to every case.",
                "  chaos    seeded faults (exceptions, kill -9 of TaskManager, JobManager or the stream process, broker",
                "           outages) under live traffic, checked from the topics against a failure-free replay",
                "           (docs/chaos.md lists its flags)",
                "",
                "  help     this text",
                "",
                "keys (default):"));
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            String def = key.defaultValue().isEmpty() ? "unset" : key.defaultValue();
            System.out.printf("  %s (%s)%n      %s%n", key.name(), def, key.description());
        }
        System.out.println("  " + ConfigKeys.KAFKA_CLIENT_PREFIX + "*      passed to every Kafka client, e.g. kafka.client.security.protocol");
        System.out.println("  " + ConfigKeys.FLINK_PREFIX + "*              passed to Flink's configuration, e.g. flink.rest.port");
    }
}
