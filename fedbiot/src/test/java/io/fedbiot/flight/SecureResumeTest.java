package io.fedbiot.flight;

import io.fedbiot.method.FederatedRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Server and clients as separate JVMs with secure_aggregation on: the server SIGKILLed in the
 * middle of round 1's protocol (its key book sent) is restarted; round 1 runs again from
 * state.json as a new attempt (the clients train again and make fresh keys), and the run ends
 * where the in-process plain run ends, within the fixed-point precision.
 */
class SecureResumeTest {
    private static final Duration STEP = Duration.ofSeconds(90);
    private static final int ROUNDS = 2;

    @TempDir
    Path refDir;

    @TempDir
    Path tmp;

    private static ChildJvm server(FlightFixture f, String listen) throws Exception {
        return ChildJvm.cli("server", f.dir, "server", "--quiet", "--config", f.config.toString(), "--listen", listen, "--state", "state",
                "--tokens", f.tokens.toString(), "--min-clients", "3", "--set", "secure_aggregation=true");
    }

    @Test
    void aServerKilledMidProtocolRestartsThatRoundWithFreshKeys() throws Exception {
        FederatedRun.Snapshot reference = new FlightFixture(refDir, ROUNDS).inProcess();
        FlightFixture f = new FlightFixture(tmp, ROUNDS);
        List<ChildJvm> procs = new ArrayList<>();
        try {
            ChildJvm first = server(f, "127.0.0.1:0");
            procs.add(first);
            String at = "127.0.0.1:" + first.await("listening on 127\\.0\\.0\\.1:(\\d+)", STEP).group(1);
            for (int k = 0; k < 3; k++) procs.add(ChildJvm.cli(FlightFixture.NAMES[k], tmp, f.clientArgs(k, at)));
            first.await("round 1: secure aggregation stage advertise closed with 3 of 3", STEP);
            first.kill();
            assertEquals(1, ServerState.load(tmp.resolve("state")).nextRound(), "the state holds the last completed round");
            ChildJvm second = server(f, at);
            procs.add(second);
            second.await("resuming after round 0", STEP);
            second.await("round 1: secure sum of 3 of 3 masked inputs", STEP);
            assertEquals(0, second.exit(STEP), () -> outputs(procs));
            for (int k = 1; k <= 3; k++) assertEquals(0, procs.get(k).exit(STEP), () -> outputs(procs));
            for (int k = 1; k <= 3; k++)
                assertTrue(procs.get(k).output().contains("round 1: training"), procs.get(k).output());
        } finally {
            for (ChildJvm p : procs) p.close();
        }
        ServerState s = ServerState.load(tmp.resolve("state"));
        assertEquals(ROUNDS, s.nextRound());
        float[] got = s.adapterValues();
        double worst = 0;
        for (int i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - reference.adapter()[i]));
        assertTrue(worst < 1e-6, "resumed secure run differs from the in-process plain run by " + worst);
        assertArrayEquals(reference.emulator(), s.emulatorValues(), 1e-6f);
    }

    private static String outputs(List<ChildJvm> procs) {
        StringBuilder b = new StringBuilder();
        for (ChildJvm p : procs) b.append("---- ").append(p.name()).append('\n').append(p.output()).append('\n');
        return b.toString();
    }
}
