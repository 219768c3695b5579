package io.fedbiot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code run} of the code task: language clients, HumanEval after the last round, pass@1 in rounds.csv and the report. */
class CodeRunCommandTest {
    @TempDir
    Path tmp;

    private String[] sets(String... more) {
        String s = CliRun.shared().toString();
        List<String> base = new java.util.ArrayList<>(List.of("data.client.path=" + s + "/data/datasets/codealpaca/code_alpaca_2k.json",
                "data.client.format=code", "partition.by=field:language", "partition.clients=~", "methods=[fedot]", "rounds=1",
                "local_steps=1", "batch_size=2", "eval_every=1", "seeds=[0]", "eval.max_rows=9", "eval.gsm8k_exact_match=false",
                "eval.humaneval.path=" + s + "/data/datasets/humaneval/HumanEval.jsonl.gz", "eval.humaneval.rows=3",
                "eval.humaneval.max_new_tokens=6", "output=" + tmp.resolve("run")));
        base.addAll(List.of(more));
        return base.toArray(String[]::new);
    }

    @Test
    void passAt1IsInRoundsCsvAndEachEvaluatedModelHasItsSamples() throws Exception {
        CliRun.Result r = CliRun.runOnStories(tmp, sets());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("code languages: python "), r.err());
        assertTrue(r.err().contains("could not place"), r.err());
        assertTrue(r.err().contains("clients: [c, cpp, css, html, java, javascript, other, python, sql]"), r.err());
        Path run = tmp.resolve("run");
        List<String> csv = Files.readAllLines(run.resolve("rounds.csv"));
        List<String> header = List.of(csv.getFirst().split(","));
        int col = header.indexOf("AdapFu/pass@1");
        assertTrue(col > 0, csv.getFirst());
        double pass = Double.parseDouble(csv.getLast().split(",", -1)[col]);
        assertTrue(pass >= 0 && pass <= 1, "pass@1 " + pass);
        assertTrue(Files.readString(run.resolve("untuned.csv")).contains("AdapFu/pass@1"));
        for (String f : new String[]{"humaneval-untuned.jsonl", "humaneval-fedot-seed0.jsonl"})
            assertEquals(3, Files.readAllLines(run.resolve(f)).size(), f);
        assertTrue(Files.readString(run.resolve("report.md")).contains("pass@1"));
    }

    @Test
    void aMissingProblemsFileStopsTheRunBeforeTraining() {
        CliRun.Result r = CliRun.runOnStories(tmp, sets("eval.humaneval.path=" + tmp.resolve("none.jsonl")));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no such file: " + tmp.resolve("none.jsonl")), r.err());
        assertFalse(Files.exists(tmp.resolve("run/rounds.csv")));
    }
}
