package dev.listenseq.app;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a job's checkpoints and savepoints live, and the newest usable one of them.
 *
 * <p>Flink writes a checkpoint to {@code <checkpoints>/<job-id>/chk-N/_metadata} with a new random
 * job id per run, and a savepoint to {@code <savepoints>/savepoint-<id>/_metadata}. The job name
 * adds one level, {@code <checkpoint.dir>/<job.name>/} and {@code <savepoint.dir>/<job.name>/}, so
 * a restart finds this job's state among other jobs' without knowing the last run's id, while each
 * run keeps its own job id (a fixed id would mix the chk-N folders of unrelated runs and collide
 * with HA records of earlier runs on a cluster).
 *
 * <p>Only folders with a {@code _metadata} file are complete (Flink writes it last). A process killed
 * mid-checkpoint leaves a folder without one, or in the worst case a truncated one: each candidate's
 * metadata is read before it is chosen, and one that does not parse is skipped with a warning.
 */
final class RetainedState {

    private static final Logger LOG = LoggerFactory.getLogger(RetainedState.class);
    private static final String METADATA = "_metadata";
    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");
    private static final Pattern SAVEPOINT = Pattern.compile("savepoint-.+");

    /** A completed checkpoint or savepoint: its folder (what state.restore-from takes) and when it was written. */
    record Found(String path, String kind, long writtenAtMs, long checkpointId) {
    }

    private final String checkpoints;
    private final String savepoints;

    private RetainedState(String checkpoints, String savepoints) {
        this.checkpoints = checkpoints;
        this.savepoints = savepoints;
    }

    /** The layout of one job: its folders under checkpoint.dir and savepoint.dir. */
    static RetainedState of(String checkpointDir, String savepointDir, String jobName) {
        String folder = jobName.replaceAll("[^A-Za-z0-9._-]", "_");
        return new RetainedState(join(checkpointDir, folder), join(savepointDir, folder));
    }

    /** Where Flink writes this job's checkpoints (one job-id folder per run below it). */
    String checkpoints() {
        return checkpoints;
    }

    /** Where this job's savepoints go. */
    String savepoints() {
        return savepoints;
    }

    /** The newest complete checkpoint or savepoint whose metadata reads back; empty when there is none. */
    Optional<Found> newest() throws IOException {
        List<Found> candidates = new ArrayList<>();
        for (FileStatus run : list(new Path(checkpoints))) {
            if (run.isDir()) {
                for (FileStatus chk : list(run.getPath())) {
                    var m = CHECKPOINT.matcher(chk.getPath().getName());
                    if (chk.isDir() && m.matches()) {
                        complete(chk.getPath(), "checkpoint", Long.parseLong(m.group(1))).ifPresent(candidates::add);
                    }
                }
            }
        }
        for (FileStatus sp : list(new Path(savepoints))) {
            if (sp.isDir() && SAVEPOINT.matcher(sp.getPath().getName()).matches()) {
                complete(sp.getPath(), "savepoint", -1).ifPresent(candidates::add);
            }
        }
        candidates.sort(Comparator.comparingLong(Found::writtenAtMs).thenComparingLong(Found::checkpointId).reversed());
        for (Found f : candidates) {
            if (readable(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    private static Optional<Found> complete(Path folder, String kind, long id) throws IOException {
        Path metadata = new Path(folder, METADATA);
        FileSystem fs = metadata.getFileSystem();
        if (!fs.exists(metadata)) {
            LOG.info("Ignoring {}: no {} (an unfinished {})", folder, METADATA, kind);
            return Optional.empty();
        }
        return Optional.of(new Found(folder.toString(), kind, fs.getFileStatus(metadata).getModificationTime(), id));
    }

    private static boolean readable(Found f) {
        Path metadata = new Path(f.path(), METADATA);
        try (DataInputStream in = new DataInputStream(metadata.getFileSystem().open(metadata))) {
            CheckpointMetadata m = Checkpoints.loadCheckpointMetadata(in, RetainedState.class.getClassLoader(), f.path());
            if (m.getOperatorStates().isEmpty()) {
                throw new IOException("it holds no operator state");
            }
            return true;
        } catch (Exception e) {
            LOG.warn("Skipping {} {}: its {} cannot be read ({}); falling back to the one before it",
                    f.kind(), f.path(), METADATA, e.toString());
            return false;
        }
    }

    private static FileStatus[] list(Path dir) throws IOException {
        FileSystem fs = dir.getFileSystem();
        if (!fs.exists(dir)) {
            return new FileStatus[0];
        }
        FileStatus[] entries = fs.listStatus(dir);
        return entries == null ? new FileStatus[0] : entries;
    }

    private static String join(String dir, String child) {
        return dir.endsWith("/") ? dir + child : dir + "/" + child;
    }
}
