package io.fedbiot.cli;

import io.fedbiot.code.Completions;
import io.fedbiot.code.HumanEvalProblem;
import io.fedbiot.code.HumanEvalRun;
import io.fedbiot.code.Sandbox;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.method.Experiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code fedbiot humaneval}: pass@k of a model on HumanEval, or with {@code --canonical} of the
 * problems' own reference solutions (a check of the sandbox: all should pass). Every input is
 * checked before any generation; the per-sample results go to {@code --out} (JSONL).
 */
@Command(name = "humaneval", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Scores HumanEval pass@k: completions run in a python3 sandbox (docs/CODE.md).")
public final class HumanEvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--problems", required = true, paramLabel = "PATH", description = "HumanEval JSON Lines (.jsonl or .jsonl.gz).")
    Path problems;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "Per-sample results, JSON Lines (written atomically).")
    Path out;

    @Option(names = "--model", paramLabel = "PATH", description = "Checkpoint to complete the prompts (llama2.c .bin, .gguf, HF directory).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer; default: the checkpoint's own or the one beside it.")
    Path tokenizer;

    @Option(names = "--canonical", description = "Score the reference solutions instead of a model.")
    boolean canonical;

    @Option(names = "--rows", defaultValue = "0", paramLabel = "N", description = "The first N problems; 0: all. Default: ${DEFAULT-VALUE}.")
    int rows;

    @Option(names = "--n", defaultValue = "1", paramLabel = "N", description = "Samples per problem. Default: ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--k", defaultValue = "1", split = ",", paramLabel = "K", description = "pass@k to report, e.g. 1,10. Default: ${DEFAULT-VALUE}.")
    List<Integer> k;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0: greedy. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--max-new-tokens", defaultValue = "128", paramLabel = "N", description = "Tokens per completion at most. Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--timeout-s", defaultValue = "5", paramLabel = "S", description = "Wall-clock seconds per program. Default: ${DEFAULT-VALUE}.")
    double timeout;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--python", defaultValue = "python3", paramLabel = "EXE", description = "Interpreter the sandbox runs. Default: ${DEFAULT-VALUE}.")
    String python;

    @Option(names = "--workers", defaultValue = "4", paramLabel = "N", description = "Sandbox processes at once. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (canonical == (model != null)) throw new UserError("give exactly one of --model PATH and --canonical", null);
        HumanEvalRun.Settings s = new HumanEvalRun.Settings(k, n, temperature, maxNewTokens, timeout, rows, seed);
        List<String> bad = s.problems("--").stream().map(p -> p.replace("_", "-")).toList(); // the keys in option spelling
        if (!bad.isEmpty()) throw new UserError(String.join("; ", bad), null);
        if (workers < 1) throw new UserError("--workers must be >= 1, got " + workers, null);
        List<HumanEvalProblem> selected;
        Sandbox sandbox;
        try {
            selected = s.select(HumanEvalProblem.read(problems));
            sandbox = Sandbox.detect(python);
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.of(e);
        }
        err.printf("%d problems, sandbox: %s%n", selected.size(), sandbox.isolation());
        HumanEvalRun.Score score;
        if (canonical) {
            score = HumanEvalRun.evaluate(selected, s, (pr, p, i) -> pr.canonicalSolution(), sandbox, workers, out);
        } else {
            try (Checkpoint ck = open()) {
                Tokenizer tok;
                try {
                    tok = Experiment.tokenizer(ck, model, tokenizer, "pass --tokenizer");
                } catch (IOException | IllegalArgumentException e) {
                    throw UserError.of(e);
                }
                score = HumanEvalRun.evaluate(selected, s, Completions.of(LlamaModel.full(ck.weights()), tok, s), sandbox, workers, out);
            }
        }
        PrintWriter o = spec.commandLine().getOut();
        score.passAtK().forEach((kk, v) -> o.printf("pass@%d %.4f%n", kk, v));
        o.printf("solved %d/%d problems (%d samples); results in %s%n", score.passed(), score.problems(), score.samples(), out);
        o.flush();
        return 0;
    }

    private Checkpoint open() {
        try {
            return Checkpoint.load(model);
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.of(e);
        }
    }
}
