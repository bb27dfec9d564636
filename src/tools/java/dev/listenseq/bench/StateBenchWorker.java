package dev.listenseq.bench;

import dev.listenseq.app.FlinkSettings;
import dev.listenseq.app.KafkaJob;
import dev.listenseq.config.JobConfig;
import dev.listenseq.flink.InProcessMetrics;
import dev.listenseq.flink.JobCounters;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.TaskStateStats;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The job side of {@link StateBench}, in its own JVM so the resident memory it reports is the job's:
 * the real job (as the bench {@link Worker} runs it: MiniCluster, one TaskManager, a slot per
 * parallel instance) restored from the savepoint in state.restore-from. It talks to the harness on
 * stdout with lines starting {@value Worker#TAG}:
 * <ul>
 *   <li>{@code RESTORED <ms> <rss kB> <peak rss kB>}: from job submission until every task is
 *       RUNNING (a task becomes RUNNING only once its state is restored);</li>
 *   <li>{@code FIRST <ms>}: from submission until the job emitted its first snapshot (of the
 *       harness's probe event, in the topic before the job started);</li>
 *   <li>{@code CHECKPOINT <id> <state bytes> <checkpointed bytes> <end-to-end ms> <longest sync ms>}:
 *       a checkpoint it triggered, from Flink's checkpoint statistics;</li>
 *   <li>{@code TRAFFIC}: the harness may send traffic now; {@code APPLIED <records> <ms>} when the
 *       job has read and accounted for the expected records;</li>
 *   <li>{@code RSS <rss kB> <peak rss kB>}, {@code NATIVE <path> <ms>} (a native-format savepoint),
 *       {@code DONE}.</li>
 * </ul>
 * Usage: {@code StateBenchWorker <mode> <records expected after TRAFFIC> key=value ...} with mode
 * {@code full} (restore, checkpoint, traffic, checkpoint, native savepoint) or {@code restore} (only
 * the restore and the first snapshot).
 */
public final class StateBenchWorker {

    private final PrintStream out = System.out;

    private StateBenchWorker() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        long traffic = Long.parseLong(args[1]);
        new StateBenchWorker().run(mode, traffic, Worker.configFrom(args, 2));
        System.exit(0);
    }

    private void say(String line) {
        out.println(Worker.TAG + " " + line);
        out.flush();
    }

    private void run(String mode, long traffic, JobConfig config) throws Exception {
        Configuration flink = FlinkSettings.toFlink(config);
        InProcessMetrics.addTo(flink);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        KafkaJob.live(env, config, false);
        JobGraph graph = env.getStreamGraph().getJobGraph();
        if (!graph.getSavepointRestoreSettings().restoreSavepoint()) {
            throw new IllegalStateException("the job graph does not restore state.restore-from " + config.restoreFrom());
        }
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(flink)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(config.parallelism())
                .build());
        cluster.start();
        try {
            long submitted = System.nanoTime();
            JobID id = cluster.submitJob(graph).get().getJobID();
            while (!allRunning(cluster.getExecutionGraph(id).get())) {
                failIfOver(cluster, id);
                Thread.sleep(20);
            }
            long restoredMs = (System.nanoTime() - submitted) / 1_000_000;
            long[] memory = memoryKb();
            say("RESTORED " + restoredMs + " " + memory[0] + " " + memory[1]);
            while (InProcessMetrics.counters(id).snapshots() < 1) {
                failIfOver(cluster, id);
                Thread.sleep(20);
            }
            say("FIRST " + (System.nanoTime() - submitted) / 1_000_000);
            if (mode.equals("full")) {
                checkpoint(cluster, id);
                say("TRAFFIC");
                long waitFrom = System.nanoTime();
                JobCounters c = InProcessMetrics.counters(id);
                while (c.recordsIn() < traffic || c.unaccounted() != 0) {
                    failIfOver(cluster, id);
                    Thread.sleep(50);
                    c = InProcessMetrics.counters(id);
                }
                say("APPLIED " + c.recordsIn() + " " + (System.nanoTime() - waitFrom) / 1_000_000);
                checkpoint(cluster, id);
                memory = memoryKb();
                say("RSS " + memory[0] + " " + memory[1]);
                long t0 = System.nanoTime();
                String path = cluster.triggerSavepoint(id, config.savepointDir(), false, SavepointFormatType.NATIVE)
                        .get(30, TimeUnit.MINUTES);
                say("NATIVE " + path + " " + (System.nanoTime() - t0) / 1_000_000);
            }
            cluster.cancelJob(id).get(5, TimeUnit.MINUTES);
            say("DONE");
        } finally {
            cluster.closeAsync().get(5, TimeUnit.MINUTES);
        }
    }

    /**
     * Whether every task is RUNNING. A job still being set up has a graph without vertices, which
     * must not count as "all running".
     */
    private static boolean allRunning(AccessExecutionGraph graph) {
        boolean any = false;
        for (AccessExecutionVertex vertex : graph.getAllExecutionVertices()) {
            if (vertex.getExecutionState() != ExecutionState.RUNNING) {
                return false;
            }
            any = true;
        }
        return any;
    }

    private static void failIfOver(MiniCluster cluster, JobID id) throws Exception {
        JobStatus status = cluster.getJobStatus(id).get();
        if (status.isGloballyTerminalState() || status == JobStatus.RESTARTING || status == JobStatus.FAILING) {
            throw new IllegalStateException("the job is " + status, cluster.requestJobResult(id).get(5, TimeUnit.MINUTES)
                    .getSerializedThrowable().map(t -> (Throwable) t).orElse(null));
        }
    }

    /** Triggers a checkpoint, waits for it, and reports Flink's statistics of it. */
    private void checkpoint(MiniCluster cluster, JobID id) throws Exception {
        long before = latestId(cluster, id);
        cluster.triggerCheckpoint(id).get(30, TimeUnit.MINUTES);
        CompletedCheckpointStats stats;
        // The statistics are updated just after the checkpoint's future completes.
        while ((stats = latest(cluster, id)) == null || stats.getCheckpointId() == before) {
            Thread.sleep(20);
        }
        long longestSync = 0;
        for (TaskStateStats task : stats.getAllTaskStateStats()) {
            longestSync = Math.max(longestSync, task.getSummaryStats().getSyncCheckpointDurationStats().getMaximum());
        }
        say("CHECKPOINT " + stats.getCheckpointId() + " " + stats.getStateSize() + " " + stats.getCheckpointedSize()
                + " " + stats.getEndToEndDuration() + " " + longestSync);
    }

    private static CompletedCheckpointStats latest(MiniCluster cluster, JobID id) throws Exception {
        return cluster.getExecutionGraph(id).get().getCheckpointStatsSnapshot().getHistory().getLatestCompletedCheckpoint();
    }

    private static long latestId(MiniCluster cluster, JobID id) throws Exception {
        CompletedCheckpointStats stats = latest(cluster, id);
        return stats == null ? -1 : stats.getCheckpointId();
    }

    /** This JVM's resident memory now and its peak, in kB, from /proc ({-1, -1} off Linux). */
    static long[] memoryKb() {
        return memoryKb(Path.of("/proc/self/status"));
    }

    static long[] memoryKb(Path status) {
        long rss = -1;
        long hwm = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(status), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", ""));
                } else if (line.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            return new long[] {-1, -1};
        }
        return new long[] {rss, hwm};
    }
}
