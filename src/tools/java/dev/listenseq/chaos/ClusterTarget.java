package dev.listenseq.chaos;

import dev.listenseq.cluster.LocalFlinkCluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The job jar on a {@link LocalFlinkCluster} (a JobManager and two TaskManagers, each its own JVM),
 * submitted as {@code stream} through the REST API. Injects {@code kill -9} of a TaskManager (and starts
 * a replacement, as a resource manager would), either at a random moment or right after a checkpoint
 * completes; with ZooKeeper HA on, also {@code kill -9} of the JobManager and a new one in its place.
 */
final class ClusterTarget implements JobTarget {

    private static final int TASKMANAGERS = 2;

    private final Path dir;
    private final List<String> classpath;
    private final Path jobJar;
    private final boolean highAvailability;
    private LocalFlinkCluster cluster;
    private String jobId;
    private int selfExits;

    /** @param highAvailability run ZooKeeper and ZooKeeper HA, so the JobManager can be killed too */
    ClusterTarget(Path dir, List<String> classpath, Path jobJar, boolean highAvailability) {
        this.dir = dir;
        this.highAvailability = highAvailability;
        this.classpath = classpath;
        this.jobJar = jobJar;
    }

    @Override
    public void start(List<String> streamArgs) throws Exception {
        // Twenty-odd failovers in one run: the cluster's default of 20 restart attempts would run out.
        cluster = LocalFlinkCluster.start(dir, classpath, TASKMANAGERS, Map.of(
                "restart-strategy.type", "fixed-delay",
                "restart-strategy.fixed-delay.attempts", String.valueOf(Integer.MAX_VALUE),
                "restart-strategy.fixed-delay.delay", "1s",
                // A killed process is noticed at once (its connections are refused); the 5 s default of
                // the local cluster made live TaskManagers time out on a machine at load 30 (ChaosIT).
                "heartbeat.timeout", "30000"), highAvailability);
        List<String> program = new ArrayList<>(List.of("stream"));
        program.addAll(streamArgs);
        jobId = cluster.submit(jobJar, "dev.listenseq.app.Main", program);
        awaitCheckpoints(1, Duration.ofMinutes(3));
    }

    @Override
    public Set<FaultKind> kinds() {
        return highAvailability ? Set.of(FaultKind.TASKMANAGER, FaultKind.AFTER_CHECKPOINT, FaultKind.JOBMANAGER)
                : Set.of(FaultKind.TASKMANAGER, FaultKind.AFTER_CHECKPOINT);
    }

    @Override
    public long inject(FaultKind kind, Random random) throws Exception {
        if (kind == FaultKind.JOBMANAGER) {
            cluster.killJobManager();
            long over = System.currentTimeMillis();
            cluster.startJobManager();
            return over;
        }
        if (kind == FaultKind.AFTER_CHECKPOINT) {
            awaitCheckpoints(cluster.completedCheckpoints(jobId) + 1, Duration.ofMinutes(2));
        }
        List<LocalFlinkCluster.Node> taskManagers = cluster.taskManagers();
        LocalFlinkCluster.Node victim = taskManagers.get(random.nextInt(taskManagers.size()));
        cluster.killTaskManager(victim);
        long over = System.currentTimeMillis();
        cluster.startTaskManager();
        return over;
    }

    /** Polls the REST API until the job has at least this many completed checkpoints. */
    private void awaitCheckpoints(long count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (cluster.completedCheckpoints(jobId) >= count) {
                    return;
                }
            } catch (Exception e) {
                // The REST API answers errors while the job restarts; keep polling.
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no completed checkpoint #" + count + " of job " + jobId + " within "
                        + timeout + "; logs in " + logs());
            }
            checkAlive();
            Thread.sleep(10);
        }
    }

    @Override
    public void checkAlive() throws Exception {
        for (LocalFlinkCluster.Node exited : cluster.replaceExitedTaskManagers()) {
            selfExits++;
            System.out.printf("        %s (pid %d) exited by itself with code %d (see %s); started a replacement%n",
                    exited.name(), exited.pid(), exited.process().exitValue(), exited.log());
        }
        String state;
        try {
            state = cluster.jobState(jobId);
        } catch (Exception e) {
            return;
        }
        if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
            throw new IllegalStateException("job " + jobId + " ended " + state + "; logs in " + logs());
        }
    }

    @Override
    public String observations() {
        return selfExits == 0 ? "" : selfExits + " TaskManager(s) exited by themselves (a fatal error, not a kill"
                + " of ours) and were replaced; see the logs in " + logs();
    }

    @Override
    public String logs() {
        return dir.resolve("log").toString();
    }

    @Override
    public void close() throws Exception {
        if (cluster != null) {
            try {
                cluster.cancel(jobId);
            } catch (Exception e) {
                // best effort: closing the cluster kills every process anyway
            }
            cluster.close();
        }
    }
}
