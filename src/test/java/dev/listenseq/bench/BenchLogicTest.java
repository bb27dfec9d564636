package dev.listenseq.bench;

import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's plain logic: percentiles, steady rates, snapshot headers, table, flags, classpaths. */
class BenchLogicTest {

    @Test
    void theGoalsTableJudgesEachLatencyConfigurationAgainstItsOwnTarget() {
        Map<String, LatencyProbe.Result> latencies = new java.util.LinkedHashMap<>();
        latencies.put("pass-through at-least-once", probe(20));
        latencies.put("job at-least-once", probe(400));
        latencies.put("job exactly-once", probe(11_400));
        latencies.put("pass-through at-least-once, same rate", probe(100));
        latencies.put("job at-least-once, emit.min-interval 0", probe(320));
        latencies.put("job exactly-once, emit.min-interval 0", probe(10_600));
        String report = Report.render(BenchOptions.parse(List.of()), Map.of(
                "pass-through", List.of(new BenchCommand.Throughput("pass-through", 100, 10, 0, 0, 0))), latencies);
        // The throttled default (emit.min-interval 1 s): its interval + 250 ms; exactly-once: the checkpoint interval + 1 s.
        assertTrue(report.matches("(?s).*\\nat-least-once p99 \\(ms\\) +≤ 1250 +400 +yes\\n.*"), report);
        assertTrue(report.matches("(?s).*\\nexactly-once p99 \\(ms\\) +≤ 11000 +11,400 +NO\\n.*"), report);
        assertTrue(report.matches("(?s).*same, emit.min-interval 0: at-least-once p99 \\(ms\\) +≤ 250 +320 +NO\\n.*"), report);
        assertTrue(report.matches("(?s).*same, emit.min-interval 0: exactly-once p99 \\(ms\\) +≤ 11000 +10,600 +yes\\n.*"), report);
        assertFalse(report.contains("÷ pass-through p99"), "the pass-through's p99 is the floor, not a goal (issue 14)");
    }

    @Test
    void theHotUserAndLongSequenceCasesReportTheirRatiosTheBotsStateAndTheLoad() {
        BenchOptions o = BenchOptions.parse(List.of("--events", "900", "--hot-user-share", "0.1"));
        assertEquals(100, o.hotUserEvents(), "the bot sends a tenth of the topic with it");
        Map<String, List<BenchCommand.Throughput>> results = new java.util.LinkedHashMap<>();
        results.put(BenchCommand.HOT_WITHOUT, List.of(new BenchCommand.Throughput("hot user: without the bot", 1000, 40,
                0, 0, 0, 900, "0.50", "1.75", null, -1)));
        results.put(BenchCommand.HOT_WITH, List.of(new BenchCommand.Throughput("hot user: with the bot", 1000, 40,
                0, 0, 0, 1000, "1.75", "2.00", new UserStateProbe.Sizes(100, 200, 10_000, 0, 0, 1), 0)));
        results.put(BenchCommand.LONG_1000, List.of(new BenchCommand.Throughput("long sequences, max-items 1000", 600, 60,
                0, 0, 0, 5000, "2.00", "2.10", null, -1)));
        results.put(BenchCommand.LONG_100, List.of(new BenchCommand.Throughput("long sequences, max-items 100", 1000, 40,
                0, 0, 0, 5000, "2.10", "2.20", null, -1)));
        assertEquals(0.9, Report.othersRatio(results), 1e-9, "everyone else's 900 of 1,000 records at the same rate");
        String report = Report.render(o, results, Map.of(),
                new BenchCommand.Inputs(new Preloader.Loaded(1000, 100, 90, 0, 1000, 0),
                        new Preloader.Loaded(5000, 0, 5, 4, 1000, 0.95)));
        assertTrue(report.matches("(?s).*\\nhot user: everyone else's events/s, with ÷ without +≥ 0.8 +0.900 +yes\\n.*"), report);
        assertTrue(report.matches("(?s).*\\nlong sequences: max-items 1000 ÷ 100 \\(rocksdb\\) +≥ 0.8 +0.600 +NO\\n.*"), report);
        assertTrue(report.matches("(?s).*\\nsongs \\(items\\) +200 +200 +sequence.max-items\\n.*"), report);
        assertTrue(report.matches("(?s).*\\nseen event ids +10,000 +10,000 +sequence.dedup-max-ids\\n.*"), report);
        assertTrue(report.matches("(?s).*\\ntimers \\(event time \\+ processing time\\) +0 \\+ 1 +4 .*"), report);
        assertTrue(report.contains("1.75 → 2.00"), "the load average before and after each run: " + report);
        assertTrue(report.contains("4 of them (80 %, with 95 % of the events) hold at least 1,000 distinct songs"), report);
        assertThrows(ConfigException.class, () -> BenchOptions.parse(List.of("--hot-user-share", "1")));
    }

    @Test
    void theBotsRecordsAreSpreadEvenlyAndAllPlaced() {
        long total = 1000;
        long bot = 0;
        long firstHalf = 0;
        for (long sent = 0; sent < total; sent++) {
            if (Preloader.botTurn(sent, bot, 100, total)) {
                bot++;
                firstHalf += sent < total / 2 ? 1 : 0;
            }
        }
        assertEquals(100, bot);
        assertEquals(50, firstHalf);
    }

    private static LatencyProbe.Result probe(long ms) {
        Latencies l = new Latencies();
        l.add(ms);
        return new LatencyProbe.Result(l, 1, 0, 1, new long[0]);
    }

    @Test
    void checkpointPausesShowTheLowerMedianAndTheLongest() {
        assertEquals("-", Report.pauses(new long[0]), "no checkpoint completed");
        assertEquals("40 / 40", Report.pauses(new long[] {40}));
        assertEquals("120 / 480", Report.pauses(new long[] {480, 90, 120}));
        assertEquals("90 / 480", Report.pauses(new long[] {480, 90, 120, 60}));
    }

    @Test
    void percentilesAreNearestRank() {
        Latencies l = new Latencies();
        assertEquals(-1, l.percentile(0.5), "no samples");
        for (int i = 2000; i >= 1; i--) {
            l.add(i);
        }
        assertEquals(2000, l.count());
        assertEquals(1000, l.percentile(0.5));
        assertEquals(1980, l.percentile(0.99));
        assertEquals(1998, l.percentile(0.999));
        assertEquals(1, l.percentile(0));
        assertEquals(2000, l.max());
        l.add(5000);
        assertEquals(5000, l.max(), "samples added after a percentile still count");
        assertThrows(IllegalArgumentException.class, () -> l.percentile(1.5));
    }

    @Test
    void steadyRateIgnoresStartUpAndTheDrain() {
        // 10 s of start-up with nothing read, then 1,000 records/s, then a slow tail.
        List<Rates.Sample> samples = List.of(
                new Rates.Sample(0, 0, 0), new Rates.Sample(10_000, 0, 0), new Rates.Sample(11_000, 1_000, 0),
                new Rates.Sample(19_000, 9_000, 0), new Rates.Sample(29_000, 9_500, 0), new Rates.Sample(39_000, 10_000, 0));
        assertEquals(1_000, Rates.steady(samples, 10_000), 1e-6);
        assertEquals(10_500, Rates.timeAt(samples, 500), 1e-6);
        assertTrue(Double.isNaN(Rates.steady(samples, 20_000)), "never reached 90%");
        assertTrue(Double.isNaN(Rates.steady(List.of(), 10)));
    }

    @Test
    void aRunThatEndsCountsItsWorkAfterTheLastRecordRead() {
        // 1,000 records/s from t = 1 s, all 10,000 read at 11 s, then 9 s of emission before the job finishes.
        List<Rates.Sample> samples = List.of(
                new Rates.Sample(0, 0, 0), new Rates.Sample(1_000, 0, 0), new Rates.Sample(2_000, 1_000, 1_000_000_000L),
                new Rates.Sample(11_000, 10_000, 10_000_000_000L), new Rates.Sample(20_000, 10_000, 19_000_000_000L));
        assertEquals(9_000 / 18.0, Rates.toEnd(samples, 10_000), 1e-6, "9,000 records from the 10 % mark in 18 s");
        assertEquals(1_000, Rates.steady(samples, 10_000), 1e-6, "the steady rate leaves the end out");
        assertEquals(18_000_000 / 9_000.0, Rates.cpuMicrosPerRecordToEnd(samples, 10_000), 1e-6);
        assertTrue(Double.isNaN(Rates.toEnd(List.of(), 10)));
    }

    @Test
    void cpuPerRecordCountsOnlyTheSteadyState() {
        // 0.5 s of start-up CPU, then 1 ms of CPU per record.
        List<Rates.Sample> samples = List.of(
                new Rates.Sample(0, 0, 0), new Rates.Sample(1_000, 0, 500_000_000L),
                new Rates.Sample(2_000, 1_000, 1_500_000_000L), new Rates.Sample(10_000, 9_000, 9_500_000_000L),
                new Rates.Sample(11_000, 10_000, 10_500_000_000L));
        assertEquals(1_000, Rates.cpuMicrosPerRecord(samples, 10_000), 1e-6);
        assertTrue(Double.isNaN(Rates.cpuMicrosPerRecord(samples, 50_000)));
    }

    @Test
    void readsUserAndVersionWithoutDecodingTheItems() {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        for (long version : new long[] {0, 1, 63, 64, 300, Long.MAX_VALUE}) {
            String user = "user-é-" + version;
            byte[] bytes = codec.encode(new UserSequence(user, version, Instant.EPOCH, Instant.EPOCH, List.of(),
                    List.of(new RecentEvent("s", dev.listenseq.avro.ListenType.PLAY, Instant.EPOCH, 0.5)), 0L));
            assertEquals(new SnapshotHeader(user, version), SnapshotHeader.read(bytes));
        }
        assertThrows(IllegalArgumentException.class, () -> SnapshotHeader.read(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 40}));
    }

    @Test
    void tablesAlignFiguresToTheRight() {
        String table = new Table("case", "events/s").row("a", "1,000").row("longer name", "5").toString();
        assertEquals(String.join("\n",
                "case         events/s",
                "---------------------",
                "a               1,000",
                "longer name         5", ""), table);
        assertThrows(IllegalArgumentException.class, () -> new Table("a", "b").row("only one"));
        assertEquals("n/a", Table.number(Double.NaN));
        assertEquals("12,346", Table.number(12_345.6));
        assertEquals("0.50", Table.ratio(0.5));
        assertEquals("1.5 KB", Table.bytes(1536));
        assertEquals("n/a", Table.bytes(-1));
    }

    @Test
    void flagsHaveDefaultsAndJobKeysPassThrough() {
        BenchOptions defaults = BenchOptions.parse(List.of());
        assertEquals(600_000, defaults.events());
        assertEquals(100_000, defaults.users());
        assertEquals(Duration.ofSeconds(10), defaults.checkpointInterval());
        assertEquals(BenchOptions.ALL_CASES, defaults.cases());

        BenchOptions o = BenchOptions.parse(List.of("--events", "200_000", "--cases", "pass-through,latency",
                "--flink.pipeline.object-reuse", "true", "--sequence.recent-events", "5", "--emit-interval", "100ms"));
        assertEquals(200_000, o.events());
        assertEquals(List.of("pass-through", "latency"), o.cases());
        assertEquals(Duration.ofMillis(100), o.emitInterval());
        assertEquals(Map.of("flink.pipeline.object-reuse", "true", "sequence.recent-events", "5"), o.jobKeys());

        ConfigException e = assertThrows(ConfigException.class,
                () -> BenchOptions.parse(List.of("--events", "0", "--cases", "nope", "--colour", "red", "--delivery", "maybe")));
        assertTrue(e.getMessage().contains("--events must be positive"), e.getMessage());
        assertTrue(e.getMessage().contains("\"nope\""), e.getMessage());
        assertTrue(e.getMessage().contains("--colour"), e.getMessage());
        assertTrue(e.getMessage().contains("--delivery"), e.getMessage());
        assertThrows(ConfigException.class, () -> BenchOptions.parse(List.of("--events")));
    }

    @Test
    void eachWorkerGetsOnlyTheRocksDbItsCaseNeeds() {
        String cp = String.join(File.pathSeparator, "/m/app.jar", "/m/com/ververica/frocksdbjni/8.10/frocksdbjni-8.10.jar",
                "/m/org/rocksdb/rocksdbjni/10.1.3/rocksdbjni-10.1.3.jar", "target/classes");
        assertEquals(String.join(File.pathSeparator, "/m/app.jar", "/m/com/ververica/frocksdbjni/8.10/frocksdbjni-8.10.jar",
                "target/classes"), WorkerProcess.classpathFor(Case.Kind.JOB, cp));
        assertEquals(String.join(File.pathSeparator, "/m/app.jar", "/m/org/rocksdb/rocksdbjni/10.1.3/rocksdbjni-10.1.3.jar",
                "target/classes"), WorkerProcess.classpathFor(Case.Kind.KAFKA_STREAMS, cp));
    }

    @Test
    void casesByName() {
        assertEquals(Case.job("rocksdb", 1000), BenchCommand.caseNamed("job-rocksdb-1000"));
        assertEquals("job-hashmap-max-items-100", BenchCommand.caseNamed("job-hashmap-100").slug());
        assertEquals(Case.Kind.KAFKA_STREAMS, BenchCommand.caseNamed("kafka-streams").kind());
    }
}
