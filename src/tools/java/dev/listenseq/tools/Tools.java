package dev.listenseq.tools;

import dev.listenseq.app.Main;
import dev.listenseq.bench.BenchCommand;
import dev.listenseq.bench.ExamplesBench;
import dev.listenseq.bench.ReaderBench;
import dev.listenseq.bench.StateBench;
import dev.listenseq.chaos.ChaosCommand;
import dev.listenseq.cluster.ClusterCommand;

import java.util.Arrays;
import java.util.List;

/**
 * Entry point of the development tools in src/tools: benchmarks, the local multi-process cluster, the chaos suite.
 * They are never on the job's classpath nor in its jar (the Kafka Streams baseline brings a second
 * RocksDB); {@code ./listenseq} runs them on the test classpath. {@code listenseq help} lists them.
 */
public final class Tools {

    private Tools() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "" : args[0];
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        Main.exit(() -> {
            switch (command) {
                case "bench":
                    return BenchCommand.run(rest);
                case "reader-bench":
                    return ReaderBench.run(rest);
                case "examples-bench":
                    return ExamplesBench.run(rest);
                case "state-bench":
                    return StateBench.run(rest);
                case "cluster":
                    return ClusterCommand.run(rest);
                case "chaos":
                    return ChaosCommand.run(rest);
                default:
                    System.err.println("unknown tool \"" + command + "\"; see ./listenseq help");
                    return 2;
            }
        });
    }
}
