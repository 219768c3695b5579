package io.fedbiot.flight;

import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.report.RunStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The server's state folder says how the run ended, as an in-process run folder does (finished: FederationProcessesTest). */
class ServerStatusTest {
    @TempDir
    Path tmp;

    @Test
    void aServerThatFailsMidRunLeavesFailed() throws Exception {
        FlightFixture f = new FlightFixture(tmp, 2);
        Path missing = tmp.resolve("gone.json");
        ExperimentConfig cfg = ExperimentConfig.load(f.config, List.of("data.cache=" + tmp.resolve("cache"),
                "data.client.path=" + tmp.resolve("client0.json"), "data.public.path=" + missing));
        Path state = tmp.resolve("state");
        FederationServer server = new FederationServer(cfg, TokenTable.load(f.tokens), ServerOptions.loopback(3, Duration.ofSeconds(1)),
                state, true, line -> {});
        NoSuchFileException e = assertThrows(NoSuchFileException.class, server::run); // the public file is read after the model loads
        assertEquals(missing.toString(), e.getFile());
        RunStatus s = RunStatus.read(state);
        assertNotNull(s, "no status.json in " + state);
        assertEquals(RunStatus.FAILED, s.state());
        assertEquals(ProcessHandle.current().pid(), s.pid());
        assertEquals("failed before its first round ended", s.unfinishedNote());
    }
}
