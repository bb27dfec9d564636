package dev.listenseq.chaos;

import dev.listenseq.cluster.LocalFlinkCluster;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chaos suite, CI-sized, through the same {@link ChaosRun} as {@code ./listenseq chaos}: the job
 * jar on a multi-process cluster under live traffic, five faults of three kinds (an exception in the
 * keyed function, the broker stopped and restarted on its log, kill -9 of a TaskManager right after a
 * checkpoint completes), then every check from the topics. The other kinds cost a minute or more each
 * and run in the program (docs/chaos.md): a plain TaskManager kill is also {@code ClusterFailoverIT}'s
 * fault, and the kill of the whole {@code stream} process is {@code CrashResumeIT}'s.
 */
class ChaosIT {

    private static final Path JOB_JAR = Path.of("target", "listenseq-job.jar");

    @Test
    void fiveFaultsOfThreeKindsLoseAndRepeatNothing() throws Exception {
        assertTrue(Files.isRegularFile(JOB_JAR), JOB_JAR + " is built by `mvn package`");
        Path work = Files.createTempDirectory("lsq-chaos");
        List<String> args = List.of("--faults", "5", "--kinds", "exception,broker,after-checkpoint", "--seed", "7",
                "--broker-outage", "5s", "--gap", "1s", "--users", "100", "--rate", "100",
                "--recovery-timeout", "5m", "--work-dir", work.toString());
        ChaosOptions options = ChaosOptions.parse(args);
        List<String> classpath = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));

        ChaosRun.Result result = new ChaosRun(options, JOB_JAR.toAbsolutePath(), classpath, System.out,
                "mvn verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ChaosIT").run();

        assertEquals(List.of(), result.violations());
        assertEquals(5, result.faults().size());
        Set<FaultKind> kinds = result.faults().stream().map(ChaosRun.Fault::kind).collect(Collectors.toSet());
        assertEquals(options.kinds(), kinds, "every kind asked for was injected");
        // Passed: nothing to look at. On a failure the folder stays, with the broker's and every process's log.
        LocalFlinkCluster.deleteRecursively(work);
    }
}
