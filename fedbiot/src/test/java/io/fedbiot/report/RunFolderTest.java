package io.fedbiot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Starting a run in a folder: a live run's folder is refused; a dead one's files move aside. */
class RunFolderTest {
    @TempDir
    Path dir;

    @Test
    void aFolderALiveProcessIsRunningInIsRefusedUntouched() throws Exception {
        long live = ProcessHandle.current().parent().orElseThrow().pid(); // alive while this test runs, and not this process
        new RunStatus(RunStatus.RUNNING, "FedBiOT", 2, live).write(dir);
        Path tmp = Files.writeString(dir.resolve(".rounds.csv.x.tmp"), "being written");
        Files.writeString(dir.resolve("rounds.csv"), "live\n");
        String m = assertThrows(IllegalArgumentException.class, () -> RunFolder.start(dir)).getMessage();
        assertEquals(dir.resolve(RunStatus.FILE) + ": process " + live + " is still running in this folder; "
                + "wait for it or choose another output folder", m);
        assertTrue(Files.exists(tmp) && Files.exists(dir.resolve("rounds.csv")), "a live run's files are left alone");
    }

    @Test
    void aDeadRunsFilesMoveAsideAndAnEmptyFolderStaysEmpty() throws Exception {
        assertNull(RunFolder.start(dir));
        new RunStatus(RunStatus.RUNNING, "FedBiOT", 2, -1).write(dir);
        Files.writeString(dir.resolve("train_loss.png"), "png");
        Files.createDirectories(dir.resolve("offsite_tuning-seed7/round-1"));
        Path aside = RunFolder.start(dir);
        assertTrue(Files.exists(aside.resolve("train_loss.png")) && Files.isDirectory(aside.resolve("offsite_tuning-seed7/round-1")));
        assertEquals(RunStatus.RUNNING, RunStatus.read(aside).state());
        assertFalse(Files.exists(dir.resolve(RunStatus.FILE)));
    }

    @Test
    void humanEvalSamplesMoveAsideWithTheRunAndOtherFilesStay() throws Exception {
        Files.writeString(dir.resolve("rounds.csv"), "old\n");
        Files.writeString(dir.resolve("humaneval-untuned.jsonl"), "{}\n");
        Files.writeString(dir.resolve("humaneval-offsite_tuning-seed3.jsonl"), "{}\n");
        Files.writeString(dir.resolve("notes.jsonl"), "mine\n");
        Path aside = RunFolder.start(dir);
        assertTrue(Files.exists(aside.resolve("humaneval-untuned.jsonl")) && Files.exists(aside.resolve("humaneval-offsite_tuning-seed3.jsonl")));
        assertFalse(Files.exists(dir.resolve("humaneval-untuned.jsonl")));
        assertTrue(Files.exists(dir.resolve("notes.jsonl")), "a file the run does not write stays");
    }
}
