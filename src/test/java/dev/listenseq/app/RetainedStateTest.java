package dev.listenseq.app;

import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finding the newest usable checkpoint or savepoint of a job among runs, other jobs and leftovers of a kill. */
class RetainedStateTest {

    private static final long T = 1_800_000_000_000L;

    @TempDir
    Path dir;

    private RetainedState state() {
        return RetainedState.of(dir.resolve("cp").toUri().toString(), dir.resolve("sp").toUri().toString(), "my job");
    }

    private static Path metadata(Path folder, long id, long writtenAt) throws Exception {
        Files.createDirectories(folder);
        Path file = folder.resolve("_metadata");
        OperatorState operator = new OperatorState("Build sequences", "sequence-builder", new OperatorID(), 1, 128);
        try (OutputStream out = Files.newOutputStream(file)) {
            Checkpoints.storeCheckpointMetadata(new CheckpointMetadata(id, List.of(operator), List.of()),
                    new DataOutputStream(out));
        }
        Files.setLastModifiedTime(file, FileTime.fromMillis(writtenAt));
        return file;
    }

    @Test
    void nothingRetainedIsEmpty() throws Exception {
        assertEquals(Optional.empty(), state().newest());
    }

    @Test
    void theJobNameIsAFolderOfItsOwn() {
        assertEquals(dir.resolve("cp").toUri() + "/my_job", state().checkpoints(), "job.name \"my job\", made a folder name");
        assertEquals(dir.resolve("sp").toUri() + "/my_job", state().savepoints());
    }

    @Test
    void theNewestCompleteOneWinsAcrossRunsAndSavepoints() throws Exception {
        Path job = dir.resolve("cp/my_job");
        metadata(job.resolve("run-a/chk-7"), 7, T);
        metadata(dir.resolve("sp/my_job/savepoint-1a2b-3c4d"), 8, T + 1000);
        metadata(job.resolve("run-b/chk-2"), 2, T + 2000);
        Files.createDirectories(job.resolve("run-b/chk-3"));
        Files.createDirectories(job.resolve("run-b/shared"));
        metadata(dir.resolve("cp/other-job/run-c/chk-99"), 99, T + 9000);

        RetainedState.Found found = state().newest().orElseThrow();

        assertEquals("checkpoint", found.kind());
        assertTrue(found.path().endsWith("/my_job/run-b/chk-2"), found.path() + ": chk-3 has no _metadata (unfinished)");

        Files.setLastModifiedTime(job.resolve("run-b/chk-2/_metadata"), FileTime.fromMillis(T));
        found = state().newest().orElseThrow();
        assertEquals("savepoint", found.kind());
        assertTrue(found.path().endsWith("/my_job/savepoint-1a2b-3c4d"), found.path());
    }

    @Test
    void aDamagedNewestOneIsSkippedForThePreviousOne() throws Exception {
        Path job = dir.resolve("cp/my_job/run-a");
        metadata(job.resolve("chk-4"), 4, T);
        Path newest = metadata(job.resolve("chk-5"), 5, T + 1000);
        byte[] whole = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(whole, whole.length / 2));
        Files.setLastModifiedTime(newest, FileTime.fromMillis(T + 1000));

        RetainedState.Found found = state().newest().orElseThrow();

        assertTrue(found.path().endsWith("/chk-4"), found.path());
    }
}
