package dev.listenseq.examples;

import dev.listenseq.config.ConfigException;
import dev.listenseq.config.ConfigKey;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.Settings;
import dev.listenseq.reader.ReaderConfig;
import dev.listenseq.reader.ReaderException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code listenseq examples --out FILE.parquet|.jsonl [--from T] [--to T] [--key value ...]}: point-in-time
 * training examples from the input topic and the history topic (docs/training-examples.md). Progress
 * and the summary go to {@code err}; {@code --help} goes to {@code out}; exit 0 done, 1 failed, 2 usage.
 * No Flink.
 */
public final class ExamplesCommand {

    /** Usage lines, for the entry point's help. */
    public static final List<String> HELP = List.of(
            "  examples --out FILE.parquet|.jsonl [--from T] [--to T] [--vocab FILE]",
            "           point-in-time training examples: one per positive in the input topic's range (PLAY completed",
            "           past examples.min-completion, LIKE, COLLECT), with the user's sequence from the history topic",
            "           as of just before it, as fixed-length arrays; the vocabulary file is kept stable across runs.",
            "           Keys examples.* (docs/training-examples.md; `examples --help` lists them with their defaults).");

    /** What {@code examples --help} adds to the usage lines: what the run prints, and its exit codes. */
    static final List<String> DETAILS = List.of(
            "",
            "  --out FILE       .parquet for training, .jsonl (or .json) to inspect; overwritten",
            "  --from T, --to T the input range [from, to) by Kafka record time (epoch ms, ISO-8601 or a date);",
            "                   default: the whole input topic as it is when the command starts",
            "  --vocab FILE     the vocabulary file, read when it exists and extended (default: vocab.tsv beside --out)",
            "  Also: --bootstrap-servers HOST:PORT, --topics.input T, --history-topic T, --job FILE, any --key value.",
            "",
            "On stderr: a first line naming the topics and files; while it runs, a progress line per phase",
            "(input, history, join) at most every 2 s and when the phase ends:",
            "    input   12,000 of 20,000 (60%)",
            "then the summary: examples written and their users; input records, events, positives, records that",
            "were not events and erasure requests; skipped positives and why (repeated event_id, erased user, no",
            "snapshot before them); history records, snapshots kept for the join, records that were not snapshots,",
            "spill buckets and bytes; vocabulary sizes, ids added and targets out of vocabulary.",
            "Exit code: 0 done, 1 failed (Kafka, disk), 2 bad flag or key.",
            "",
            "Keys (default):");

    private ExamplesCommand() {
    }

    /** Runs the command; {@code --help} prints to standard output. */
    public static int run(List<String> args, PrintStream err) {
        return run(args, System.out, err);
    }

    public static int run(List<String> args, PrintStream stdout, PrintStream err) {
        if (args.contains("--help") || args.contains("-h")) {
            help(stdout);
            return 0;
        }
        Path out = null;
        List<String> settingArgs = new ArrayList<>();
        try {
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                String name = arg.startsWith("--") ? arg.substring(2) : arg;
                String inline = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (List.of("out", "from", "to", "vocab").contains(name) && arg.startsWith("--")) {
                    if (inline == null && i + 1 >= args.size()) {
                        throw new ConfigException("--" + name + " needs a value");
                    }
                    String value = inline != null ? inline : args.get(++i);
                    if (name.equals("out")) {
                        out = Path.of(value);
                    } else {
                        settingArgs.add("--examples." + name);
                        settingArgs.add(value);
                    }
                } else {
                    settingArgs.add(arg);
                }
            }
            if (out == null) {
                throw new ConfigException("examples needs --out FILE.parquet (or .jsonl to inspect)");
            }
            ExampleSink.parquet(out);
            Settings settings = Settings.load("streaming", settingArgs);
            ExampleSettings es = ExampleSettings.from(settings, out);
            String input = settings.get(ConfigKeys.TOPIC_INPUT);
            if (input.contains(",")) {
                throw new ConfigException(ConfigKeys.TOPIC_INPUT.name() + " is \"" + input
                        + "\"; examples reads one input topic: run it once per topic (--topics.input T)");
            }
            ReaderConfig config = ReaderConfig.from(settings);
            err.printf("Examples from %s (%s to %s) with sequences from %s into %s; vocabulary %s%n", input,
                    es.from() == null ? "start" : es.from(), es.to() == null ? "end" : es.to(), config.historyTopic(),
                    out, es.vocab());
            ExampleExport.Summary s = new ExampleExport(config, input, es, progressPrinter(err)).run(out);
            err.println(summary(s, out));
            return 0;
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (ReaderException | IOException | UncheckedIOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    static void help(PrintStream out) {
        out.println("usage: listenseq examples --out FILE.parquet|.jsonl [--from T] [--to T] [--vocab FILE] [--key value ...]");
        out.println();
        HELP.forEach(out::println);
        DETAILS.forEach(out::println);
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key.name().startsWith("examples.")) {
                out.printf("  %s (%s)%n      %s%n", key.name(), key.defaultValue().isEmpty() ? "unset" : key.defaultValue(),
                        key.description());
            }
        }
    }

    /** Prints a phase's progress at most every two seconds, and when it is done. */
    static ExampleExport.Progress progressPrinter(PrintStream err) {
        long[] last = {0};
        String[] lastPhase = {""};
        return (phase, done, total) -> {
            long now = System.nanoTime();
            boolean finished = done >= total;
            if (finished || !phase.equals(lastPhase[0]) || now - last[0] > 2_000_000_000L) {
                if (finished && phase.equals(lastPhase[0]) && last[0] == -1) {
                    return;
                }
                last[0] = finished ? -1 : now;
                lastPhase[0] = phase;
                err.printf("  %-7s %,d of %,d (%d%%)%n", phase, done, total, total == 0 ? 100 : 100 * done / total);
            }
        };
    }

    static String summary(ExampleExport.Summary s, Path out) {
        return String.format(
                "Wrote %,d examples of %,d users to %s%n"
                        + "  input: %,d records, %,d events, %,d positives; %,d not events (undecodable or no ids), %,d erasures%n"
                        + "  skipped positives: %,d repeated event_id, %,d erased, %,d with no snapshot before them%n"
                        + "  history: %,d records, %,d snapshots kept for the join, %,d not snapshots; %d bucket(s), %,d bytes spilled%n"
                        + "  vocabulary: %,d songs (+%,d), %,d artists (+%,d); %,d targets out of vocabulary",
                s.examples(), s.users(), out, s.inputRecords(), s.events(), s.labels(), s.undecodable(), s.erasures(),
                s.duplicateLabels(), s.erasedLabels(), s.withoutSnapshot(), s.historyRecords(), s.snapshotsKept(),
                s.historyNotSnapshots(), s.buckets(), s.spillBytes(), s.songs(), s.songsAdded(), s.artists(),
                s.artistsAdded(), s.oovTargets());
    }
}
