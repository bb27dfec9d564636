package dev.listenseq.flink;

import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.StateCodec;
import dev.listenseq.flink.StateFixtures.Backend;
import dev.listenseq.flink.StateFixtures.Scenario;
import dev.listenseq.kafka.LateRecord;
import dev.listenseq.kafka.SnapshotRecord;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every committed savepoint fixture ({@link StateFixtures}) of every state format restores into this
 * build, on either backend, and the job continues exactly as if it had never stopped: the snapshots
 * and late records after the restore equal those of one uninterrupted run of the same steps.
 */
class StateFixtureRestoreTest {

    private static final String DIR = "state-fixtures/";

    record Case(int formatVersion, Backend writtenOn, Scenario scenario, Backend restoredOn) {
        @Override
        public String toString() {
            return StateFixtures.fileName(formatVersion, writtenOn, scenario) + " on " + restoredOn;
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (int version = 1; version <= StateCodec.FORMAT_VERSION; version++) {
            for (Scenario scenario : StateFixtures.scenarios()) {
                for (Backend written : Backend.values()) {
                    for (Backend restored : Backend.values()) {
                        cases.add(new Case(version, written, scenario, restored));
                    }
                }
            }
        }
        return cases.stream();
    }

    @Test
    void everyFormatHasItsFixturesAndTheyAreSmall() {
        cases().forEach(c -> {
            URL url = resource(c);
            assertNotNull(url, "missing fixture " + c + ": write it with StateFixtures (see its Javadoc)");
            long size = new File(url.getPath()).length();
            assertTrue(size > 0 && size < 100_000, c + " is " + size + " bytes");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aFixtureRestoresAndTheJobContinuesAsIfItHadNeverStopped(Case c) throws Exception {
        Scenario scenario = c.scenario();
        List<UserSequence> expectedSnapshots;
        List<LateRecord> expectedLate;
        try (var h = StateFixtures.harness(scenario, c.restoredOn())) {
            h.open();
            StateFixtures.run(h, scenario.before());
            int snapshotsBefore = StateFixtures.snapshots(h).size();
            int lateBefore = late(h).size();
            StateFixtures.run(h, scenario.after());
            List<UserSequence> all = StateFixtures.snapshots(h);
            expectedSnapshots = all.subList(snapshotsBefore, all.size());
            List<LateRecord> allLate = late(h);
            expectedLate = allLate.subList(lateBefore, allLate.size());
        }
        assertFalse(expectedSnapshots.isEmpty(), "the scenario emits after the savepoint");

        OperatorSubtaskState fixture = OperatorSnapshotUtil.readStateHandle(resource(c).getPath());
        try (var h = StateFixtures.harness(scenario, c.restoredOn())) {
            h.setProcessingTime(scenario.before().get(scenario.before().size() - 1).processingTime());
            h.initializeState(fixture);
            h.open();
            StateFixtures.run(h, scenario.after());
            // The lineage generation is the run's, not the state's: a fixture from before it restores as 0.
            assertEquals(expectedSnapshots.stream().map(StateFixtureRestoreTest::withoutGeneration).collect(Collectors.toList()),
                    StateFixtures.snapshots(h).stream().map(StateFixtureRestoreTest::withoutGeneration).collect(Collectors.toList()),
                    c + ": the snapshots after the restore");
            assertEquals(expectedLate, late(h), c + ": the late records after the restore");
        }
    }

    private static URL resource(Case c) {
        return StateFixtureRestoreTest.class.getClassLoader()
                .getResource(DIR + StateFixtures.fileName(c.formatVersion(), c.writtenOn(), c.scenario()));
    }

    private static List<LateRecord> late(KeyedOneInputStreamOperatorTestHarness<String, KeyedRecord, SnapshotRecord> h) {
        var side = h.getSideOutput(SequenceFunction.LATE);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    private static String withoutGeneration(UserSequence snapshot) {
        return UserSequence.newBuilder(snapshot).setGeneration(0L).build().toString();
    }
}
