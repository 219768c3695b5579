package io.fedbiot.code;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.report.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * HumanEval pass@k: every sample of every problem runs in the {@link Sandbox} (a few at a time),
 * one JSONL line per sample is written (atomically) so a score can be checked by hand, and
 * pass@k is the mean over problems of {@link PassAtK#estimate}.
 */
public final class HumanEvalRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param k              the k of each pass@k reported, each in [1, n]
     * @param n              samples per problem
     * @param temperature    0: greedy (then n must be 1); else softmax temperature
     * @param maxNewTokens   generation length limit
     * @param timeoutSeconds wall-clock limit of one program
     * @param rows           the first this many problems (0: all)
     * @param seed           sampling seed (sample s of problem p uses seed + 1000003·p + s)
     */
    public record Settings(List<Integer> k, int n, double temperature, int maxNewTokens, double timeoutSeconds, int rows, long seed) {
        public Settings {
            k = List.copyOf(k);
        }

        /** Every value problem, each naming its key under {@code prefix}; empty when usable. */
        public List<String> problems(String prefix) {
            List<String> p = new ArrayList<>();
            if (n < 1) p.add(prefix + "n: must be >= 1, got " + n);
            if (k.isEmpty()) p.add(prefix + "k: empty; list at least one k, e.g. [1]");
            for (int x : k) if (x < 1 || x > n) p.add(prefix + "k: each must be in [1, n=" + n + "], got " + x);
            if (!(temperature >= 0 && Double.isFinite(temperature))) p.add(prefix + "temperature: must be >= 0, got " + temperature);
            if (n > 1 && temperature == 0) p.add(prefix + "temperature: n=" + n + " greedy samples would all be the same; set temperature > 0 (e.g. 0.8) or n: 1");
            if (maxNewTokens < 1) p.add(prefix + "max_new_tokens: must be >= 1, got " + maxNewTokens);
            if (!(timeoutSeconds > 0 && timeoutSeconds <= 600)) p.add(prefix + "timeout_s: must be in (0, 600], got " + timeoutSeconds);
            if (rows < 0) p.add(prefix + "rows: must be >= 0 (0: all problems), got " + rows);
            return p;
        }

        public List<HumanEvalProblem> select(List<HumanEvalProblem> all) {
            return rows == 0 || rows >= all.size() ? all : all.subList(0, rows);
        }
    }

    /** Makes sample {@code s} of problem {@code p} (its index in the selection). */
    public interface Completer {
        String complete(HumanEvalProblem problem, int p, int s);
    }

    /** pass@k by k; passed = problems with at least one passing sample. */
    public record Score(Map<Integer, Double> passAtK, int problems, int samples, int passed, String isolation) {}

    private HumanEvalRun() {}

    /**
     * Completes and executes every sample of {@code problems}, writes {@code jsonl} (null: no file)
     * and scores them. Completion runs on the caller's thread (the model is not shared); execution
     * on {@code workers} threads, started as soon as a sample is made.
     */
    public static Score evaluate(List<HumanEvalProblem> problems, Settings settings, Completer completer, Sandbox sandbox,
                                 int workers, Path jsonl) throws IOException {
        Sandbox.Limits limits = Sandbox.Limits.of(settings.timeoutSeconds());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers));
        List<String> completions = new ArrayList<>();
        List<Future<Sandbox.Result>> results = new ArrayList<>();
        try {
            for (int p = 0; p < problems.size(); p++)
                for (int s = 0; s < settings.n(); s++) {
                    HumanEvalProblem problem = problems.get(p);
                    String c = completer.complete(problem, p, s);
                    completions.add(c);
                    results.add(pool.submit(() -> sandbox.run(problem.program(c), limits)));
                }
            StringBuilder lines = new StringBuilder();
            Map<Integer, Double> sums = new LinkedHashMap<>();
            int passedProblems = 0;
            for (int p = 0; p < problems.size(); p++) {
                int c = 0;
                for (int s = 0; s < settings.n(); s++) {
                    int i = p * settings.n() + s;
                    Sandbox.Result r = results.get(i).get();
                    if (r.passed()) c++;
                    lines.append(line(problems.get(p), s, completions.get(i), r)).append('\n');
                }
                if (c > 0) passedProblems++;
                for (int k : settings.k()) sums.merge(k, PassAtK.estimate(settings.n(), c, k), Double::sum);
            }
            Map<Integer, Double> pass = new LinkedHashMap<>();
            for (int k : settings.k()) pass.put(k, problems.isEmpty() ? Double.NaN : sums.get(k) / problems.size());
            if (jsonl != null) AtomicFiles.write(jsonl, os -> os.write(lines.toString().getBytes(StandardCharsets.UTF_8)));
            return new Score(pass, problems.size(), completions.size(), passedProblems, sandbox.isolation());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("HumanEval interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("sandbox failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static String line(HumanEvalProblem problem, int sample, String completion, Sandbox.Result r) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("task_id", problem.taskId());
        o.put("sample", sample);
        o.put("passed", r.passed());
        o.put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
        o.put("exit_code", r.exitCode());
        o.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
        o.put("completion", completion);
        o.put("stdout", r.stdout());
        o.put("stderr", r.stderr());
        o.put("output_bytes", r.outputBytes());
        return JSON.writeValueAsString(o);
    }
}
