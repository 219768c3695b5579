package io.fedbiot.flight;

import io.fedbiot.method.FederatedRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** A damaged state.json is refused with its name and what is wrong, never an unchecked surprise. */
class ServerStateDamageTest {
    @TempDir
    Path dir;

    private String written() throws Exception {
        float[] adapter = new float[48], emulator = new float[24];
        for (int i = 0; i < adapter.length; i++) adapter[i] = (float) Math.sin(i);
        for (int i = 0; i < emulator.length; i++) emulator[i] = (float) Math.cos(i);
        ServerState.of("FedBiOT seed 11, 3 clients, stories260K.bin", 2, adapter, emulator, new long[]{3, 4}, 5,
                new long[]{1, 2, 3}, List.of(Map.of("round", 0, "client_loss", 2.5), Map.of("round", 1, "client_loss", 2.25))).save(dir);
        return Files.readString(dir.resolve(ServerState.FILE));
    }

    private String refused(String text) throws Exception {
        Files.writeString(dir.resolve(ServerState.FILE), text);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerState.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve(ServerState.FILE) + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void anIntactFileLoads() throws Exception {
        written();
        ServerState s = ServerState.load(dir);
        assertEquals(2, s.nextRound());
        assertEquals(48, s.adapterValues().length);
        assertEquals((float) Math.sin(5), s.adapterValues()[5]);
        s.checkSizes(dir, 48, 24);
    }

    @Test
    void eachDamageIsNamed() throws Exception {
        String ok = written();
        String lines = ok.substring(0, ok.indexOf("\"adapter\"") + 12);
        int line = (int) lines.chars().filter(c -> c == '\n').count() + 1;
        assertTrue(refused(lines).contains("truncated at line " + line), refused(lines));
        assertTrue(refused("state: 3\n").contains("not JSON at line 1"), refused("state: 3\n"));
        assertTrue(refused(ok.replace("\"nextRound\" : 2", "\"nextRound\" : \"two\"")).contains("field nextRound should be int"));
        assertTrue(refused(ok.replace("\"publicBatches\" : 5", "\"publicBatches\" : [5]")).contains("field publicBatches should be long"));
        assertTrue(refused("[1, 2]").contains("not a state object"), refused("[1, 2]"));
        assertTrue(refused("{}").contains("field run is missing"), refused("{}"));
        String a = ok.substring(ok.indexOf("\"adapter\" : \"") + 13);
        a = a.substring(0, a.indexOf('"'));
        assertTrue(refused(ok.replace(a, "!!" + a.substring(2))).contains("adapter is not base64"));
        assertTrue(refused(ok.replace(a, a.substring(0, 8) + (a.charAt(8) == 'A' ? 'B' : 'A') + a.substring(9)))
                .contains("adapter checksum mismatch"));
    }

    @Test
    void tensorsOfAnotherShapeNameTheConfig() throws Exception {
        written();
        ServerState s = ServerState.load(dir);
        String m = assertThrows(IllegalArgumentException.class, () -> s.checkSizes(dir, 96, 24)).getMessage();
        assertEquals(dir.resolve(ServerState.FILE) + ": adapter tensor has 48 values, expected 96: was it written by a different config?"
                + "; delete the state folder to start over", m);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.checkSizes(dir, 48, -1)).getMessage()
                .contains("emulator tensor has 24 values, expected none"));
    }

    /**
     * The state of a real tiny run (the fixture's in-process FedBiOT run): truncations (every cut in
     * the head, then random ones) and single-bit flips are loaded intact (a flip in whitespace or an
     * unchecked number) or refused as an input error naming the file; nothing else, no hang.
     */
    @Test
    void truncationsAndBitFlipsOfARealStateAreInputErrors() throws Exception {
        Path fixture = Files.createDirectories(dir.resolve("fixture"));
        FlightFixture fx = new FlightFixture(fixture, 2);
        FederatedRun.Snapshot snap = fx.inProcess();
        ServerState.of("FedBiOT seed 11, 3 clients, stories260K.bin", 2, snap.adapter(), snap.emulator(), snap.samplerDraws(), 4,
                new long[]{4, 4, 4}, List.of(Map.of("round", 0, "client_loss", 2.5), Map.of("round", 1, "client_loss", 2.25))).save(dir);
        Path f = dir.resolve(ServerState.FILE);
        byte[] ok = Files.readAllBytes(f);
        Random rnd = new Random(16);
        int refusedCount = 0, cuts = 0;
        for (int trial = 0; trial < 1200; trial++) {
            byte[] b;
            if (trial < 600) {
                b = java.util.Arrays.copyOf(ok, trial < 300 ? trial : rnd.nextInt(ok.length));
                cuts++;
            } else {
                b = ok.clone();
                // Flips land in the structure (head and tail) as often as in the long base64 strings.
                int i = rnd.nextBoolean() ? rnd.nextInt(b.length) : (rnd.nextBoolean() ? rnd.nextInt(300) : b.length - 1 - rnd.nextInt(300));
                b[i] ^= (byte) (1 << rnd.nextInt(8));
            }
            Files.write(f, b);
            try {
                ServerState s = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> ServerState.load(dir));
                assertNotNull(s, "trial " + trial);
                s.checkSizes(dir, snap.adapter().length, snap.emulator() == null ? -1 : snap.emulator().length);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith(f + ": "), "trial " + trial + ": " + e.getMessage());
                refusedCount++;
            }
        }
        assertTrue(refusedCount >= cuts, "every truncation is refused: " + refusedCount + " of " + cuts + " cuts");
    }

    @Test
    void theServerCommandRefusesADamagedStateWithExitCode2() throws Exception {
        FlightFixture f = new FlightFixture(dir, 3);
        Path state = Files.createDirectories(dir.resolve("state"));
        Files.writeString(state.resolve(ServerState.FILE), "{\n  \"run\" : \"x\",\n  \"nextRound\" : ");
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        int code = io.fedbiot.cli.Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), "server", "--quiet",
                "--config", f.config.toString(), "--set", "data.public.path=" + dir.resolve("public.json"), // the server checks it first
                "--listen", "127.0.0.1:0", "--state", state.toString(), "--tokens", f.tokens.toString());
        assertEquals(2, code, err.toString());
        assertEquals("fedbiot server: " + state.resolve(ServerState.FILE) + ": truncated at line 3; delete the state folder to start over",
                err.toString().strip());
    }
}
