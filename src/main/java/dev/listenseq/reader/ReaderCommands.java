package dev.listenseq.reader;

import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.ConfigException;
import dev.listenseq.config.Settings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The feature consumers' commands: {@code get}, {@code tail}, {@code export} and {@code serve}.
 * They read the same job file as the job ({@code jobs/streaming.properties} or {@code --job}), so
 * topics and brokers agree, and take {@code --key value} on top. Output goes to {@code out},
 * messages to {@code err}; the return value is the exit code: 0 done, 1 failed, 2 usage error.
 * No Flink: these run with kafka-clients, Avro and Jackson alone.
 */
public final class ReaderCommands {

    private static final Set<String> SWITCHES = Set.of("json", "from-beginning");

    /** Usage lines, for the entry point's help. */
    public static final List<String> HELP = List.of(
            "  get USER [--as-of TIME] [--json]",
            "           the user's latest snapshot (from the user's partition of topics.output), or as of TIME",
            "           (ISO-8601 or epoch ms) from the history topic. Exit 1 for an unknown user.",
            "  tail [--user U] [--from-beginning] [--limit N] [--json]",
            "           follow topics.output and print each snapshot (one line each; JSON lines with --json)",
            "  export --labels FILE.csv|.jsonl --out FILE.jsonl|.avro",
            "           for each (user_id, label_time[, fields]) row, the user's sequence as of label_time,",
            "           from the history topic (reader.history-topic, else topics.history, else topics.output)",
            "  serve [--port N]",
            "           HTTP lookups: GET /users/{id}/sequence (JSON; 404 unknown user), /health, /ready; on",
            "           loopback unless reader.http-bind says otherwise; reader.http-token asks for a bearer token",
            "  Common: --bootstrap-servers HOST:PORT, --topic T, --history-topic T, --job FILE, any --key value.");

    private ReaderCommands() {
    }

    /** Flags of one command line: its own switches and options, positional words, and the settings. */
    private record Parsed(Map<String, String> options, List<String> positional, List<String> settings) {
        boolean has(String name) {
            return options.containsKey(name);
        }
    }

    public static int run(String command, List<String> args, PrintStream out, PrintStream err) {
        try {
            switch (command) {
                case "get":
                    return get(parse(args, Set.of("as-of")), out, err);
                case "tail":
                    return tail(parse(args, Set.of("user", "limit")), out, err);
                case "export":
                    return export(parse(args, Set.of("labels", "out")), out, err);
                case "serve":
                    return serve(parse(args, Set.of()), out, err);
                default:
                    err.println("error: unknown reader command \"" + command + "\"");
                    return 2;
            }
        } catch (UsageException | ConfigException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (LabelsException | ReaderException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static int get(Parsed p, PrintStream out, PrintStream err) {
        if (p.positional().size() != 1) {
            throw new UsageException("get needs exactly one user id: listenseq get USER [--as-of TIME] [--json]");
        }
        String user = p.positional().get(0);
        ReaderConfig config = config(p);
        Optional<UserSequence> snapshot;
        String where;
        if (p.has("as-of")) {
            Instant time;
            try {
                time = LabelsFile.parseTime(p.options().get("as-of"));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--as-of " + e.getMessage());
            }
            snapshot = History.asOf(config, user, time);
            where = "at or before " + time + " in " + config.historyTopic();
        } else {
            snapshot = latest(config, user);
            where = "in " + config.topic();
        }
        if (snapshot.isEmpty()) {
            err.println("error: no snapshot for user \"" + user + "\" " + where);
            return 1;
        }
        out.print(p.has("json") ? SnapshotJson.line(snapshot.get()) + "\n" : SnapshotText.render(snapshot.get()));
        return 0;
    }

    /**
     * The newest snapshot (highest generation, then version) in the user's partition of the output
     * topic, after the user's last tombstone: compaction may not have removed an erased user's
     * snapshots yet, and they must not come back.
     */
    static Optional<UserSequence> latest(ReaderConfig config, String user) {
        return History.newest(config.withHistoryTopic(config.topic()), user, s -> true);
    }

    private static int tail(Parsed p, PrintStream out, PrintStream err) {
        if (!p.positional().isEmpty()) {
            throw new UsageException("tail takes no words, only flags: listenseq tail [--user U] [--json]");
        }
        String user = p.options().get("user");
        long limit = p.has("limit") ? positiveLong("--limit", p.options().get("limit")) : Long.MAX_VALUE;
        boolean json = p.has("json");
        ReaderConfig config = config(p);
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config.consumerProperties())) {
            List<TopicPartition> partitions = Topics.partitions(consumer, config.topic(), config.bootstrapServers());
            consumer.assign(partitions);
            if (p.has("from-beginning")) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
            }
            Thread stopper = new Thread(consumer::wakeup);
            Runtime.getRuntime().addShutdownHook(stopper);
            try {
                while (printed < limit) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        if (user != null && (r.key() == null || !user.equals(new String(r.key(), StandardCharsets.UTF_8)))) {
                            continue;
                        }
                        UserSequence s;
                        try {
                            s = codec.decode(r.value());
                        } catch (DecodeException e) {
                            err.println("skipped " + r.topic() + " partition " + r.partition() + " offset " + r.offset()
                                    + ": not a snapshot (" + e.getMessage() + ")");
                            continue;
                        }
                        out.println(json ? SnapshotJson.line(s) : SnapshotText.line(s));
                        if (++printed >= limit) {
                            break;
                        }
                    }
                    out.flush();
                }
            } catch (WakeupException e) {
                return 0;
            }
            Runtime.getRuntime().removeShutdownHook(stopper);
        }
        return 0;
    }

    private static int export(Parsed p, PrintStream out, PrintStream err) {
        if (!p.has("labels") || !p.has("out") || !p.positional().isEmpty()) {
            throw new UsageException("export needs --labels FILE (.csv or .jsonl) and --out FILE (.jsonl or .avro)");
        }
        ReaderConfig config = config(p);
        List<Label> labels = LabelsFile.read(Path.of(p.options().get("labels")));
        Path target = Path.of(p.options().get("out"));
        TrainingExport.Format format = TrainingExport.Format.forPath(target);
        err.printf("Exporting %,d labels of %,d users from %s as %s ...%n", labels.size(),
                labels.stream().map(Label::userId).distinct().count(), config.historyTopic(), format);
        long[] lastPrint = {0, -1};
        TrainingExport.Result result = TrainingExport.run(config, labels, target, format, (scanned, total) -> {
            long now = System.nanoTime();
            if (scanned != lastPrint[1] && (now - lastPrint[0] > 2_000_000_000L || scanned == total)) {
                lastPrint[0] = now;
                lastPrint[1] = scanned;
                err.printf("  read %,d of %,d offsets (%d%%)%n", scanned, total,
                        total == 0 ? 100 : 100 * scanned / total);
            }
        });
        err.printf("Wrote %,d rows to %s: %,d with a sequence, %,d with none at or before label_time"
                        + " (%,d records scanned, %,d not snapshots, %,d erasures of labelled users)%n", result.rows(),
                target, result.withSequence(), result.withoutSequence(), result.scan().records(), result.scan().skipped(),
                result.scan().erasures());
        return 0;
    }

    private static int serve(Parsed p, PrintStream out, PrintStream err) {
        if (!p.positional().isEmpty()) {
            throw new UsageException("serve takes no words, only flags: listenseq serve [--port N]");
        }
        Settings settings = Settings.load("streaming", p.settings());
        ReaderConfig config = ReaderConfig.from(settings);
        ReaderServer.Options options = ReaderServer.Options.from(settings);
        SequenceReader reader = SequenceReader.start(config);
        ReaderServer server;
        try {
            server = ReaderServer.start(reader, options);
        } catch (ReaderException e) {
            reader.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            reader.close();
            stopped.countDown();
        }));
        out.printf("Serving %s from %s on http://%s:%d/users/{id}/sequence (also /health, /ready)%s; Ctrl-C stops%n",
                config.topic(), config.bootstrapServers(), server.address().getAddress().getHostAddress(), server.port(),
                options.requiresToken() ? ", bearer token required" : "");
        try {
            while (!reader.awaitCaughtUp(Duration.ofSeconds(10))) {
                ReaderStats s = reader.stats();
                out.printf("Catching up: %,d users from %,d records so far%n", s.users(), s.records());
            }
            ReaderStats s = reader.stats();
            out.printf("Ready: caught up with %,d users from %,d records (%,d not snapshots)%n", s.users(), s.records(),
                    s.skipped());
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static ReaderConfig config(Parsed p) {
        return ReaderConfig.from(Settings.load("streaming", p.settings()));
    }

    /** Separates this command's own flags and words from the --key value settings. */
    private static Parsed parse(List<String> args, Set<String> options) {
        Map<String, String> own = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (SWITCHES.contains(name)) {
                own.put(name, "true");
            } else if (options.contains(name)) {
                if (inline == null && i + 1 >= args.size()) {
                    throw new UsageException("--" + name + " needs a value");
                }
                own.put(name, inline != null ? inline : args.get(++i));
            } else {
                settings.add(arg);
                if (inline == null && i + 1 < args.size()) {
                    settings.add(args.get(++i));
                }
            }
        }
        return new Parsed(own, positional, settings);
    }

    private static long positiveLong(String flag, String text) {
        try {
            long v = Long.parseLong(text.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // Reported below with the rule.
        }
        throw new UsageException(flag + " is \"" + text + "\"; it must be a positive integer");
    }

    /** A command line that cannot be run as given. */
    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
