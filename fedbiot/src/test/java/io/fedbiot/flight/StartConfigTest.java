package io.fedbiot.flight;

import io.fedbiot.cli.Main;
import io.fedbiot.method.ExperimentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A state folder remembers its config; resuming with another one fails before any work, naming the keys. */
class StartConfigTest {
    @TempDir
    Path tmp;

    @Test
    void theSameConfigResumesAndAChangedOneNamesItsKeys() throws Exception {
        FlightFixture f = new FlightFixture(tmp, 3);
        ExperimentConfig cfg = f.load();
        Path state = tmp.resolve("state");
        StartConfig.save(state, cfg);
        assertEquals(StartConfig.sha256(StartConfig.flatten(cfg)) + "  config.json\n", Files.readString(state.resolve(StartConfig.HASH)));
        Map<String, String> flat = StartConfig.flatten(cfg);
        assertEquals("3", flat.get("rounds"));
        assertEquals("0.003", flat.get("lr_client"));
        // A fresh parse of the same YAML (another object, the same values) resumes.
        StartConfig.checkSame(state, f.load());

        ExperimentConfig changed = ExperimentConfig.load(f.config, List.of("data.cache=" + tmp.resolve("cache-ref"),
                "data.client.path=" + tmp.resolve("client0.json"), "data.public.path=" + tmp.resolve("public.json"),
                "rounds=5", "lr_client=0.01"));
        String m = assertThrows(IllegalArgumentException.class, () -> StartConfig.checkSame(state, changed)).getMessage();
        assertTrue(m.contains("rounds: was 3, now 5") && m.contains("lr_client: was 0.003, now 0.01"), m);
        assertFalse(m.contains("beta"), "unchanged keys are not listed: " + m);
    }

    @Test
    void theServerCommandRefusesAChangedConfigWithExitCode2BeforeAnyWork() throws Exception {
        FlightFixture f = new FlightFixture(tmp, 3);
        Path state = Files.createDirectories(tmp.resolve("state"));
        StartConfig.save(state, f.load());
        ServerState.of("run", 1, new float[4], null, new long[0], 0, new long[3], List.of()).save(state);
        String before = Files.readString(state.resolve(ServerState.FILE));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "server", "--quiet", "--config", f.config.toString(),
                "--set", "data.cache=" + tmp.resolve("cache-ref"), "--set", "data.client.path=" + tmp.resolve("client0.json"),
                "--set", "data.public.path=" + tmp.resolve("public.json"), "--set", "rounds=4",
                "--listen", "127.0.0.1:0", "--state", state.toString(), "--tokens", f.tokens.toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().startsWith("fedbiot server: ") && err.toString().contains("rounds: was 3, now 4"), err.toString());
        assertEquals(before, Files.readString(state.resolve(ServerState.FILE)), "the state is untouched");
        assertFalse(err.toString().contains("listening"), err.toString());
    }
}
