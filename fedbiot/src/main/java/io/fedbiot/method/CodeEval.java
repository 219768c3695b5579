package io.fedbiot.method;

import io.fedbiot.code.Completions;
import io.fedbiot.code.HumanEvalProblem;
import io.fedbiot.code.HumanEvalRun;
import io.fedbiot.code.Sandbox;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The experiment's HumanEval evaluation (config {@code eval.humaneval}): problems read and the
 * sandbox probed once, before any training; then pass@k of a model as "Variant/pass@k" metrics and
 * its per-sample JSONL.
 */
final class CodeEval {
    /** Sandbox processes at once: generation is the slow part, so a few suffice. */
    private static final int WORKERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private final List<HumanEvalProblem> problems;
    private final HumanEvalRun.Settings settings;
    private final Sandbox sandbox;

    private CodeEval(List<HumanEvalProblem> problems, HumanEvalRun.Settings settings, Sandbox sandbox) {
        this.problems = problems;
        this.settings = settings;
        this.sandbox = sandbox;
    }

    /** Null when the config asks for no HumanEval; a bad problems file or python is an error here, before training. */
    static CodeEval of(ExperimentConfig cfg, Consumer<String> log) throws IOException {
        ExperimentConfig.HumanEval he = cfg.eval().humaneval();
        if (he.path() == null) return null;
        HumanEvalRun.Settings s = he.settings(cfg.seeds().getFirst());
        List<HumanEvalProblem> problems = s.select(HumanEvalProblem.read(he.path()));
        Sandbox sandbox = Sandbox.detect(he.python());
        log.accept("humaneval: " + problems.size() + " problems from " + he.path() + ", n=" + s.n() + ", k=" + s.k()
                + ", temperature " + s.temperature() + "; sandbox: " + sandbox.isolation());
        return new CodeEval(problems, s, sandbox);
    }

    /** {@code eval} plus "variant/pass@k" for each k; the samples go to {@code jsonl}. */
    Map<String, Double> with(Map<String, Double> eval, String variant, LlamaModel model, Tokenizer tok, Path jsonl,
                             Consumer<String> log) throws IOException {
        HumanEvalRun.Score score = HumanEvalRun.evaluate(problems, settings, Completions.of(model, tok, settings), sandbox, WORKERS, jsonl);
        Map<String, Double> m = new LinkedHashMap<>(eval);
        score.passAtK().forEach((k, v) -> m.put(variant + "/pass@" + k, v));
        log.accept("humaneval " + variant + ": pass@k " + score.passAtK() + ", " + score.passed() + "/" + score.problems()
                + " problems solved by some sample; samples in " + jsonl);
        return m;
    }
}
