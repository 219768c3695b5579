package io.fedbiot.method;

import io.fedbiot.data.Splits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** The config keys of the evaluation splits: data.test, eval.validation_fraction, and the removed seq_len. */
class EvalSplitsConfigTest {
    @TempDir
    Path tmp;

    private static final String YAML = "model: m.bin\ndata:\n  client: {path: c.jsonl, format: gsm8k}\n  public: {path: p.json, format: alpaca}\n";

    @Test
    void theTestSplitMustScoreTheClientsTaskWithExactMatchOn() throws Exception {
        ExperimentConfig ok = ConfigFiles.load(tmp, YAML, "data.test.path=t.jsonl");
        assertEquals(Path.of("t.jsonl"), ok.data().test().path());
        assertNull(ConfigFiles.load(tmp, YAML).data().test().path(), "no test file by default: the held-out test rows");
        assertTrue(ConfigFiles.failure(tmp, YAML, "data.test.path=t.jsonl", "data.test.format=alpaca").problems()
                .contains("data.test.format: must be gsm8k or tasks (rows with an answer to match), got ALPACA"));
        assertTrue(ConfigFiles.failure(tmp, YAML, "data.test.path=t.jsonl", "data.test.format=tasks").problems()
                .contains("data.test.format: tasks differs from data.client.format gsm8k; the test split scores the clients' task"));
        assertTrue(ConfigFiles.failure(tmp, YAML, "data.test.path=t.jsonl", "eval.gsm8k_exact_match=false").problems()
                .contains("data.test.path: only exact match reads the test split; set eval.gsm8k_exact_match: true or remove data.test"));
    }

    @Test
    void theValidationShareIsStrictlyBetweenZeroAndOne() throws Exception {
        for (String v : new String[]{"0", "1", "1.5"})
            assertTrue(ConfigFiles.failure(tmp, YAML, "eval.validation_fraction=" + v).problems().stream()
                    .anyMatch(p -> p.startsWith("eval.validation_fraction: must be in (0, 1)")), v);
        assertEquals(0.25, ConfigFiles.load(tmp, YAML, "eval.validation_fraction=0.25").eval().validationFraction());
    }

    @Test
    void seqLenIsRefusedNamingDataMaxLen() {
        ExperimentConfigException e = ConfigFiles.failure(tmp, YAML + "seq_len: 512\n");
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().getFirst().startsWith("seq_len: removed"), e.problems().toString());
        assertTrue(e.problems().getFirst().contains("set data.max_len"), e.problems().toString());
    }

    @Test
    void withoutValidationRowsTheRunSaysSoKeepsNoBestAdapterAndReportsTheFinalRound() throws Exception {
        Path rows = tmp.resolve("four.jsonl");
        java.nio.file.Files.writeString(rows, """
                {"question": "1 + 1?", "answer": "#### 2"}
                {"question": "2 + 1?", "answer": "#### 3"}
                {"question": "2 + 2?", "answer": "#### 4"}
                {"question": "3 + 2?", "answer": "#### 5"}
                """);
        Path out = tmp.resolve("out");
        String yaml = "model: " + TestData.shared("models/stories260K.bin") + "\ntokenizer: " + TestData.shared("models/tok512.bin")
                + "\ndata:\n  client: {path: " + rows + ", format: gsm8k}\n  cache: " + tmp.resolve("cache")
                + "\nmethods: [fedlora]\nrounds: 1\nlocal_steps: 1\nbatch_size: 2\nseeds: [0]\neval: {heldout_fraction: 0.25, gsm8k_exact_match: false}"
                + "\noutput: " + out + "\n";
        java.util.List<String> log = new java.util.ArrayList<>();
        new Experiment(ConfigFiles.load(tmp, yaml)).run(new Experiment.Listener() {
            @Override
            public void log(String line) {
                log.add(line);
            }
        });
        assertTrue(log.contains("held-out rows: 0 validation, 1 test"), log.toString()); // one held-out row is a test row
        assertTrue(log.stream().anyMatch(x -> x.startsWith("no validation rows")), log.toString());
        assertTrue(java.nio.file.Files.isDirectory(out.resolve("fedlora-seed0/final")));
        assertFalse(java.nio.file.Files.exists(out.resolve("fedlora-seed0/best")));
        assertTrue(java.nio.file.Files.readString(out.resolve("report.md")).contains("| FedLoRA | 0 | – (no validation) | 0 |"));
    }

    @Test
    void validationAndTestRowsAreDisjointAndCoverTheHeldOutRows() throws Exception {
        RunPlan.EvalPlan plan = RunPlan.resolve(ConfigFiles.load(tmp, YAML, "eval.validation_fraction=0.3"),
                new io.fedbiot.engine.model.LlamaConfig(64, 172, 6, 8, 4, 512, 512, 10000f, 1e-5f, true,
                        io.fedbiot.kernels.RopeStyle.INTERLEAVED)).eval();
        int[] heldOut = Splits.split(1000, 0.9, 7).heldOut(); // 100 rows out of 1000, not 0..99
        int[][] vt = plan.validationAndTest(heldOut, 7);
        assertEquals(30, vt[0].length);
        assertEquals(70, vt[1].length);
        Set<Integer> val = new HashSet<>(), test = new HashSet<>();
        for (int r : vt[0]) val.add(r);
        for (int r : vt[1]) test.add(r);
        val.retainAll(test);
        assertTrue(val.isEmpty(), "a row in both: " + val);
        int[] union = IntStream.concat(Arrays.stream(vt[0]), Arrays.stream(vt[1])).sorted().toArray();
        assertArrayEquals(heldOut, union);
        assertArrayEquals(vt[0], plan.validationAndTest(heldOut, 7)[0], "seeded");
    }
}
