package io.fedbiot.code;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The reference solutions pass in the sandbox and wrong ones do not: the harness scores, not just runs. */
class HumanEvalCanonicalTest {
    static Path humanEval() {
        String p = System.getProperty("fedbiot.shared");
        Path f = (p != null ? Path.of(p) : Path.of("..", "..", "shared")).resolve("data/datasets/humaneval/HumanEval.jsonl.gz");
        if (!Files.exists(f)) fail("test data " + f.toAbsolutePath() + " is missing");
        return f;
    }

    @Test
    void all164CanonicalSolutionsPass(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        List<HumanEvalProblem> problems = HumanEvalProblem.read(humanEval());
        assertEquals(164, problems.size());
        HumanEvalRun.Settings s = new HumanEvalRun.Settings(List.of(1), 1, 0, 1, 10, 0, 0);
        Path out = dir.resolve("canonical.jsonl");
        HumanEvalRun.Score score = HumanEvalRun.evaluate(problems, s, (pr, p, i) -> pr.canonicalSolution(), Sandbox.detect("python3"), 4, out);
        List<String> failed = Files.readAllLines(out).stream().filter(l -> l.contains("\"passed\":false"))
                .map(l -> l.substring(0, Math.min(300, l.length()))).toList();
        assertEquals(List.of(), failed);
        assertEquals(164, score.passed());
        assertEquals(1.0, score.passAtK().get(1));
        assertEquals(164, Files.readAllLines(out).size());
    }

    @Test
    void emptyAndWrongBodiesFailAndPassAtKCountsSamples() throws Exception {
        List<HumanEvalProblem> problems = HumanEvalProblem.read(humanEval()).subList(0, 4);
        // Samples 0 and 2 are the reference, 1 and 3 return None: c = 2 of n = 4 for every problem.
        HumanEvalRun.Settings s = new HumanEvalRun.Settings(List.of(1, 2), 4, 0.8, 1, 10, 0, 0);
        HumanEvalRun.Score score = HumanEvalRun.evaluate(problems, s,
                (pr, p, i) -> i % 2 == 0 ? pr.canonicalSolution() : "    return None\n", Sandbox.detect("python3"), 2, null);
        assertEquals(PassAtK.estimate(4, 2, 1), score.passAtK().get(1), 1e-15);
        assertEquals(PassAtK.estimate(4, 2, 2), score.passAtK().get(2), 1e-15);
        assertEquals(16, score.samples());
        assertTrue(score.passAtK().get(2) > score.passAtK().get(1));
    }

    @Test
    void hostileCompletionsAreFailedSamplesAndTheEvaluationCarriesOn(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        List<String> hostile = List.of("    while True:\n        pass\n", "    import os\n    os.system('echo pwned')\n",
                "    import os\n    while True:\n        os.fork()\n", "    print('x' * 10**8)\n",
                "    return open('/etc/passwd').read()\n", "    import sys\n    sys.exit(0)\n");
        List<HumanEvalProblem> problems = HumanEvalProblem.read(humanEval()).subList(0, hostile.size() + 1);
        HumanEvalRun.Settings s = new HumanEvalRun.Settings(List.of(1), 1, 0, 1, 2, 0, 0);
        Path out = dir.resolve("hostile.jsonl");
        // The last problem gets its reference solution: it must still pass after the others.
        HumanEvalRun.Score score = HumanEvalRun.evaluate(problems, s,
                (pr, p, i) -> p < hostile.size() ? hostile.get(p) : pr.canonicalSolution(), Sandbox.detect("python3"), 3, out);
        List<String> lines = Files.readAllLines(out);
        assertEquals(problems.size(), lines.size());
        for (int p = 0; p < hostile.size(); p++) assertTrue(lines.get(p).contains("\"passed\":false"), lines.get(p));
        assertTrue(lines.getFirst().contains("\"outcome\":\"timeout\""), lines.getFirst());
        assertTrue(lines.getLast().contains("\"passed\":true"), lines.getLast());
        assertEquals(1.0 / problems.size(), score.passAtK().get(1), 1e-15);
    }

    @Test
    void stopSequencesCutTheCompletionAtTheNextTopLevelStatement() {
        assertEquals("    return x\n", Completions.truncate("    return x\n\ndef other():\n    pass"));
        assertEquals("    return x", Completions.truncate("    return x\nprint(f(1))"));
        assertEquals("    y = 1\n    # fine inside", Completions.truncate("    y = 1\n    # fine inside\n# top-level comment"));
        assertEquals("    return 1", Completions.truncate("    return 1\nif __name__ == '__main__':\n    f()"));
        assertEquals("    return 2", Completions.truncate("    return 2\nclass A: pass"));
        assertEquals("no stop here", Completions.truncate("no stop here"));
    }
}
