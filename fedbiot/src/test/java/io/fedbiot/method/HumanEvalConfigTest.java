package io.fedbiot.method;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eval.humaneval keys: off by default, every bad value named by its key, echoed back to an equal config. */
class HumanEvalConfigTest {
    private static final String BASE = "model: m.bin\ndata:\n  client:\n    path: c.jsonl\nmethods: [fedot]\n";

    @TempDir
    Path dir;

    @Test
    void offUnlessAPathIsGiven() throws Exception {
        ExperimentConfig c = ConfigFiles.load(dir, BASE);
        assertNull(c.eval().humaneval().path());
        assertEquals(List.of(1), c.eval().humaneval().k());
    }

    @Test
    void badValuesAreNamedByTheirKey() {
        String m = ConfigFiles.failure(dir, BASE, "eval.humaneval.path=h.jsonl", "eval.humaneval.k=[1, 5]", "eval.humaneval.n=2",
                "eval.humaneval.timeout_s=0", "eval.humaneval.rows=-1").getMessage();
        assertTrue(m.contains("eval.humaneval.k: each must be in [1, n=2], got 5"), m);
        assertTrue(m.contains("eval.humaneval.temperature: n=2 greedy samples would all be the same"), m);
        assertTrue(m.contains("eval.humaneval.timeout_s: must be in (0, 600], got 0.0"), m);
        assertTrue(m.contains("eval.humaneval.rows: must be >= 0"), m);
        String typo = ConfigFiles.failure(dir, BASE, "eval.humaneval.timeout=3").getMessage();
        assertTrue(typo.contains("unknown key 'eval.humaneval.timeout'"), typo);
    }

    @Test
    void samplingSettingsReadBackEqualFromTheEcho() throws Exception {
        ExperimentConfig c = ConfigFiles.load(dir, BASE, "eval.humaneval.path=h.jsonl.gz", "eval.humaneval.k=[1, 10]",
                "eval.humaneval.n=20", "eval.humaneval.temperature=0.8");
        assertEquals(20, c.eval().humaneval().n());
        Path echo = Files.writeString(dir.resolve("echo.yaml"), c.toYaml());
        assertEquals(c, ExperimentConfig.load(echo, List.of()));
        assertTrue(c.eval().humaneval().settings(0).problems("").isEmpty());
    }
}
