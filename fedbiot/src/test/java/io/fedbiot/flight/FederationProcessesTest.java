package io.fedbiot.flight;

import io.fedbiot.method.FederatedRun;
import io.fedbiot.report.RunStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Server and clients as separate JVMs on 127.0.0.1 (ephemeral ports): the Flight run equals the
 * in-process run bit for bit, also when the server is SIGKILLed mid-round and restarted; a
 * client SIGKILLed mid-round is left out of that round and rejoins later.
 */
class FederationProcessesTest {
    private static final Duration STEP = Duration.ofSeconds(90);
    private static final int ROUNDS = 3;

    @TempDir
    static Path refDir;
    static FederatedRun.Snapshot reference;

    @TempDir
    Path tmp;

    @BeforeAll
    static void reference() throws Exception {
        reference = new FlightFixture(refDir, ROUNDS).inProcess();
    }

    private static ChildJvm server(FlightFixture f, String listen, String... extra) throws Exception {
        List<String> a = new ArrayList<>(List.of("server", "--quiet", "--config", f.config.toString(), "--listen", listen,
                "--state", "state", "--tokens", f.tokens.toString(), "--min-clients", "3"));
        a.addAll(List.of(extra));
        return ChildJvm.cli("server", f.dir, a.toArray(String[]::new));
    }

    private static String port(ChildJvm server) throws Exception {
        return "127.0.0.1:" + server.await("listening on 127\\.0\\.0\\.1:(\\d+)", STEP).group(1);
    }

    private static void assertMatchesReference(Path dir) throws Exception {
        ServerState s = ServerState.load(dir.resolve("state"));
        assertNotNull(s, "no state written");
        assertEquals(ROUNDS, s.nextRound());
        assertArrayEquals(reference.adapter(), s.adapterValues(), "final adapter differs from the in-process run");
        assertArrayEquals(reference.emulator(), s.emulatorValues(), "final emulator differs from the in-process run");
        assertTrue(Files.exists(dir.resolve("state/adapter/adapter_model.safetensors")));
    }

    private static String outputs(List<ChildJvm> procs) {
        StringBuilder b = new StringBuilder();
        for (ChildJvm p : procs) b.append("---- ").append(p.name()).append('\n').append(p.output()).append('\n');
        return b.toString();
    }

    @Test
    void threeClientProcessesEqualTheInProcessRun() throws Exception {
        FlightFixture f = new FlightFixture(tmp, ROUNDS);
        List<ChildJvm> procs = new ArrayList<>();
        try {
            ChildJvm srv = server(f, "127.0.0.1:0");
            procs.add(srv);
            String at = port(srv);
            for (int k = 0; k < 3; k++) procs.add(ChildJvm.cli(FlightFixture.NAMES[k], tmp, f.clientArgs(k, at)));
            assertEquals(0, srv.exit(STEP), () -> outputs(procs));
            for (int k = 1; k <= 3; k++) {
                assertEquals(0, procs.get(k).exit(STEP), () -> outputs(procs));
                assertTrue(procs.get(k).output().contains("rounds trained: " + ROUNDS), procs.get(k).output());
            }
            for (String tok : FlightFixture.TOKENS)
                for (ChildJvm p : procs) assertFalse(p.output().contains(tok), p + " logged a token");
        } finally {
            for (ChildJvm p : procs) p.close();
        }
        assertMatchesReference(tmp);
        RunStatus status = RunStatus.read(tmp.resolve("state"));
        assertEquals(RunStatus.FINISHED, status.state());
        assertEquals(ROUNDS - 1, status.lastRound());
    }

    @Test
    void serverKilledMidRoundResumesAndMatches() throws Exception {
        FlightFixture f = new FlightFixture(tmp, ROUNDS);
        List<ChildJvm> procs = new ArrayList<>();
        try {
            ChildJvm first = server(f, "127.0.0.1:0");
            procs.add(first);
            String at = port(first);
            for (int k = 0; k < 3; k++) procs.add(ChildJvm.cli(FlightFixture.NAMES[k], tmp, f.clientArgs(k, at)));
            first.await("round 1: open for", STEP);
            first.kill();
            assertEquals(1, ServerState.load(tmp.resolve("state")).nextRound(), "the state holds the last completed round");
            assertEquals(List.of(0), rounds(tmp.resolve("state/rounds.csv")), "rounds.csv holds the finished round");
            RunStatus killed = RunStatus.read(tmp.resolve("state"));
            assertFalse(killed.liveElsewhere(), "kill -9: running, with no live process");
            assertEquals("interrupted after round 0 of FedBiOT", killed.unfinishedNote());
            // the clients keep retrying the same address: restart there
            ChildJvm second = server(f, at);
            procs.add(second);
            second.await("resuming after round 0", STEP);
            assertEquals(0, second.exit(STEP), () -> outputs(procs));
            for (int k = 1; k <= 3; k++) assertEquals(0, procs.get(k).exit(STEP), () -> outputs(procs));
        } finally {
            for (ChildJvm p : procs) p.close();
        }
        assertMatchesReference(tmp);
        // The resumed server (same config, so config.json let it resume) kept the killed one's round 0.
        assertEquals(java.util.stream.IntStream.range(0, ROUNDS).boxed().toList(), rounds(tmp.resolve("state/rounds.csv")));
        assertEquals(rounds(tmp.resolve("state/rounds.csv")), io.fedbiot.report.RoundArrow.read(tmp.resolve("state/rounds.arrow"))
                .stream().map(io.fedbiot.report.RoundRecord::round).toList());
        assertTrue(Files.exists(tmp.resolve("state/" + StartConfig.FILE)));
        assertReportFiles(tmp.resolve("state"));
    }

    /** clients.csv has every round's three clients (the killed server's round 0 rebuilt from state.json), report.md its sections. */
    private static void assertReportFiles(Path state) throws Exception {
        List<io.fedbiot.report.ClientRecord> cs = io.fedbiot.report.ClientCsv.read(state.resolve("clients.csv"));
        assertEquals(List.of(0, 0, 0, 1, 1, 1, 2, 2, 2), cs.stream().map(io.fedbiot.report.ClientRecord::round).toList());
        assertEquals(java.util.Set.of(FlightFixture.NAMES), cs.stream().map(io.fedbiot.report.ClientRecord::client).collect(java.util.stream.Collectors.toSet()));
        assertFalse(io.fedbiot.report.RoundCsv.read(state.resolve("untuned.csv")).getFirst().eval().isEmpty(), "untuned baseline measured");
        String md = Files.readString(state.resolve("report.md"));
        for (String section : List.of("## Bytes on the wire", "## Clients in the last round", "## Environment", "```yaml"))
            assertTrue(md.contains(section), section + " missing from\n" + md);
    }

    private static List<Integer> rounds(Path csv) throws java.io.IOException {
        return io.fedbiot.report.RoundCsv.read(csv).stream().map(io.fedbiot.report.RoundRecord::round).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void clientKilledMidRoundIsLeftOutAndRejoins() throws Exception {
        FlightFixture f = new FlightFixture(tmp, ROUNDS);
        List<ChildJvm> procs = new ArrayList<>();
        try {
            ChildJvm srv = server(f, "127.0.0.1:0", "--deadline", "30", "--live", "3");
            procs.add(srv);
            String at = port(srv);
            for (int k = 0; k < 2; k++) procs.add(ChildJvm.cli(FlightFixture.NAMES[k], tmp, f.clientArgs(k, at)));
            ChildJvm staller = ChildJvm.start("staller", tmp, StallingClient.class.getName(), at, FlightFixture.TOKENS[2]);
            procs.add(staller);
            staller.await("stalling in round 0", STEP);
            staller.kill();
            srv.await("round 0: 2 of 3 updates, left out \\(failed, disconnected or late\\): \\[carol]", STEP);
            ChildJvm carol = ChildJvm.cli("carol", tmp, f.clientArgs(2, at));
            procs.add(carol);
            assertEquals(0, srv.exit(STEP), () -> outputs(procs));
            assertEquals(0, carol.exit(STEP), () -> outputs(procs));
        } finally {
            for (ChildJvm p : procs) p.close();
        }
        List<Map<String, Object>> m = ServerState.load(tmp.resolve("state")).metrics();
        assertEquals(List.of("alice", "bob"), m.get(0).get("included"), "round 0 averaged the clients that answered");
        assertEquals(List.of("alice", "bob", "carol"), m.get(0).get("selected"));
        assertEquals(List.of("alice", "bob", "carol"), m.get(1).get("included"), "carol rejoined for round 1");
    }
}
