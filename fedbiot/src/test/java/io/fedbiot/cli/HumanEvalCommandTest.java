package io.fedbiot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HumanEvalCommandTest {
    @TempDir
    Path tmp;

    private static Path problems() {
        Path f = CliRun.shared().resolve("data/datasets/humaneval/HumanEval.jsonl.gz");
        assertTrue(Files.exists(f), "test data " + f.toAbsolutePath() + " is missing");
        return f;
    }

    @Test
    void canonicalSolutionsScoreOneAndEachSampleIsALine() throws Exception {
        Path out = tmp.resolve("c.jsonl");
        CliRun.Result r = CliRun.run("humaneval", "--problems", problems().toString(), "--canonical", "--rows", "6", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pass@1 1.0000"), r.out());
        List<String> lines = Files.readAllLines(out);
        assertEquals(6, lines.size());
        assertTrue(lines.getFirst().contains("\"task_id\":\"HumanEval/0\""), lines.getFirst());
    }

    @Test
    void aModelsCompletionsAreRunAndRecorded() throws Exception {
        Path out = tmp.resolve("m.jsonl");
        CliRun.Result r = CliRun.run("humaneval", "--problems", problems().toString(), "--model", CliRun.model("stories260K.bin").toString(),
                "--tokenizer", CliRun.model("tok512.bin").toString(), "--rows", "2", "--max-new-tokens", "8", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pass@1 "), r.out());
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        assertTrue(lines.getLast().contains("\"completion\":"), lines.getLast());
    }

    @Test
    void badInputIsAUserErrorBeforeAnyWork() throws Exception {
        Path out = tmp.resolve("x.jsonl");
        CliRun.Result missing = CliRun.run("humaneval", "--problems", tmp.resolve("none.jsonl").toString(), "--canonical", "--out", out.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        CliRun.Result neither = CliRun.run("humaneval", "--problems", problems().toString(), "--out", out.toString());
        assertEquals(2, neither.code());
        assertTrue(neither.err().contains("exactly one of --model PATH and --canonical"), neither.err());
        CliRun.Result k = CliRun.run("humaneval", "--problems", problems().toString(), "--canonical", "--k", "2", "--out", out.toString());
        assertEquals(2, k.code());
        assertTrue(k.err().contains("--k: each must be in [1, n=1], got 2"), k.err());
        Path damaged = Files.writeString(tmp.resolve("d.jsonl"),
                "{\"task_id\": \"a\", \"prompt\": \"def f():\\n\", \"canonical_solution\": \"  return 1\\n\", \"test\": \"def check(c): pass\"}\n");
        CliRun.Result d = CliRun.run("humaneval", "--problems", damaged.toString(), "--canonical", "--out", out.toString());
        assertEquals(2, d.code());
        assertTrue(d.err().contains(damaged + " line 1: key \"entry_point\": expected a non-empty string"), d.err());
        assertFalse(Files.exists(out), "nothing written on bad input");
    }
}
