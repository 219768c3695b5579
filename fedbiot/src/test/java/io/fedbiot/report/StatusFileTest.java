package io.fedbiot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** status.json through a run: running with each round, then finished, failed or interrupted. */
class StatusFileTest {
    @TempDir
    Path dir;

    @Test
    void runningThenFinished() throws IOException {
        try (StatusFile s = StatusFile.start(dir)) {
            RunStatus r = RunStatus.read(dir);
            assertEquals(RunStatus.RUNNING, r.state());
            assertEquals(ProcessHandle.current().pid(), r.pid());
            assertEquals(-1, r.lastRound());
            s.round("FedBiOT", 0);
            s.round("FedBiOT", 1);
            assertEquals(new RunStatus(RunStatus.RUNNING, "FedBiOT", 1, ProcessHandle.current().pid()), RunStatus.read(dir));
            s.finished();
        }
        RunStatus r = RunStatus.read(dir);
        assertEquals(RunStatus.FINISHED, r.state());
        assertEquals(1, r.lastRound());
        assertNull(r.unfinishedNote());
    }

    @Test
    void closedWithoutFinishingIsFailedAfterTheLastRound() throws IOException {
        RuntimeException boom = new RuntimeException("boom");
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            try (StatusFile s = StatusFile.start(dir)) {
                s.round("FedLoRA", 2);
                throw boom;
            }
        });
        assertSame(boom, e);
        RunStatus r = RunStatus.read(dir);
        assertEquals(RunStatus.FAILED, r.state());
        assertEquals("failed after round 2 of FedLoRA", r.unfinishedNote());
    }

    @Test
    void theSignalHookWritesInterrupted() throws IOException {
        try (StatusFile s = StatusFile.start(dir)) {
            s.round("FedOT", 4);
            s.interrupted(); // what the shutdown hook runs
            assertEquals(RunStatus.INTERRUPTED, RunStatus.read(dir).state());
            assertEquals("interrupted after round 4 of FedOT", RunStatus.read(dir).unfinishedNote());
            s.finished();
        }
    }
}
