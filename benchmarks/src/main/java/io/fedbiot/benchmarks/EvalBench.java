package io.fedbiot.benchmarks;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.demo.Demo;
import io.fedbiot.demo.DemoData;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.model.KvCache;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.engine.model.Sampler;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.ProfilingBackend;
import io.fedbiot.method.Gsm8kEval;
import io.fedbiot.pretrain.BpeTrainer;
import io.fedbiot.pretrain.PretrainSettings;
import io.fedbiot.pretrain.TextCorpus;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * Rows/s of the demo's exact-match evaluation, before and after batched generation, interleaved:
 * {@code legacy} is the old path (row by row, the prompt forced token by token), {@code prefill}
 * row by row with the prompt in one forward ({@link Gsm8kEval#generate}), {@code batched}
 * {@link Gsm8kEval#taskExactMatch} as the demo calls it. The rows are the demo's task rows
 * (DemoData at full size, tokenized by a BPE trained on its corpus like the demo's), the model
 * has the demo's shape with random weights and a LoRA set on its last two layers (as AdapFu is
 * evaluated). Random weights rarely emit EOS, so every row runs to max_new_tokens: the worst case.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar <flags> io.fedbiot.benchmarks.EvalBench [backend] [reps] [rows] [--profile]}
 */
public final class EvalBench {
    private EvalBench() {}

    static final int MAX_NEW_TOKENS = 24, MAX_LEN = 256;   // the demo's eval.max_new_tokens and data.max_len

    public static void main(String[] args) throws Exception {
        boolean profile = args.length > 3 && args[3].equals("--profile");   // per-op kernel time of one batched evaluation
        Backend be = Backends.byName(args.length > 0 ? args[0] : "native");
        ProfilingBackend prof = profile ? new ProfilingBackend(be) : null;
        if (profile) be = prof;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int nRows = args.length > 2 ? Integer.parseInt(args[2]) : 80;   // the demo's eval.max_rows
        Demo.Scale scale = Demo.Scale.full();
        Path dir = Files.createTempDirectory("evalbench");
        try (Arena arena = Arena.ofShared()) {
            DemoData data = DemoData.write(dir.resolve("data"), scale.sizes(), 0);
            PretrainSettings ps = scale.pretrain();
            Tokenizer tok = BpeTrainer.train(TextCorpus.read(data.corpus(), "text"), ps.vocab());
            TokenizedDataset rows = DatasetCache.load(data.clients(), DataFormat.TASKS, tok, MAX_LEN, BadRowPolicy.FAIL,
                    dir.resolve("cache"), s -> {}).dataset();
            LlamaModel model = LlamaModel.full(LlamaWeights.random(ps.config(tok.vocabSize()), be, arena, 1));
            int L = model.depth();
            LoraSet lora = LoraSet.create(model.config(), new LoraConfig(8, 16f, 0f, EnumSet.allOf(LoraTarget.class)),
                    new int[]{L - 2, L - 1}, be, arena, new Rng(2));
            new Rng(3).normal(lora.params().flat(), 0.02);
            model.attach(lora);
            int[] eval = new int[Math.min(nRows, rows.size())];
            for (int i = 0; i < eval.length; i++) eval[i] = i * (rows.size() / eval.length);
            System.out.printf(Locale.ROOT, "backend %s, %d rows (of %d), max_new_tokens %d, model dim %d x %d layers, vocab %d, batch %d%n",
                    be.name() + " (" + be.threads() + " threads)", eval.length, rows.size(), MAX_NEW_TOKENS, model.config().dim(), L, model.config().vocabSize(), Gsm8kEval.BATCH);
            if (profile) {
                run("batched", model, tok, rows, eval);
                prof.reset();
                long t0 = System.nanoTime();
                run("batched", model, tok, rows, eval);
                System.out.printf(Locale.ROOT, "batched evaluation: %.1f ms wall%n", (System.nanoTime() - t0) / 1e6);
                prof.print(System.out, 1);
                return;
            }
            check(model, tok, rows, eval);
            String[] modes = {"legacy", "prefill", "batched"};
            double[][] rps = new double[modes.length][reps];
            for (int r = -1; r < reps; r++)   // r = -1: warm-up, not counted
                for (int m = 0; m < modes.length; m++) {
                    long t0 = System.nanoTime();
                    run(modes[m], model, tok, rows, eval);
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (r >= 0) rps[m][r] = eval.length / s;
                }
            for (int m = 0; m < modes.length; m++) {
                double[] v = rps[m].clone();
                Arrays.sort(v);
                System.out.printf(Locale.ROOT, "%-8s rows/s median %.1f  min %.1f  max %.1f  (%s)%n", modes[m], v[v.length / 2], v[0],
                        v[v.length - 1], Arrays.toString(Arrays.stream(rps[m]).map(x -> Math.round(x * 10) / 10.0).toArray()));
            }
            // Ratios within a repetition: the paths ran back to back, so load from other work cancels best here.
            for (int m = 1; m < modes.length; m++) {
                double[] q = new double[reps];
                for (int r = 0; r < reps; r++) q[r] = rps[m][r] / rps[0][r];
                Arrays.sort(q);
                System.out.printf(Locale.ROOT, "%s / legacy per repetition: median %.2fx  min %.2fx  max %.2fx%n", modes[m],
                        q[reps / 2], q[0], q[reps - 1]);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(String mode, LlamaModel model, Tokenizer tok, TokenizedDataset rows, int[] eval) {
        switch (mode) {
            case "legacy" -> { for (int r : eval) legacy(model, tok, rows, r); }
            case "prefill" -> { for (int r : eval) Gsm8kEval.generate(model, tok, rows, r, MAX_NEW_TOKENS); }
            default -> Gsm8kEval.taskExactMatch(model, tok, rows, eval, MAX_NEW_TOKENS);
        }
    }

    // The three paths must write the same text, or the timing compares different work.
    private static void check(LlamaModel model, Tokenizer tok, TokenizedDataset rows, int[] eval) {
        List<String> batched = Gsm8kEval.responses(model, tok, rows, eval, MAX_NEW_TOKENS);
        for (int i = 0; i < eval.length; i++) {
            String old = legacy(model, tok, rows, eval[i]);
            if (!old.equals(Gsm8kEval.generate(model, tok, rows, eval[i], MAX_NEW_TOKENS)) || !old.equals(batched.get(i)))
                throw new IllegalStateException("row " + eval[i] + ": the paths write different text");
        }
        System.out.println("the three paths write the same text for every row");
    }

    /** The evaluation before batching: one forward per position, the prompt forced token by token. */
    static String legacy(LlamaModel model, Tokenizer tok, TokenizedDataset rows, int r) {
        int[] ids = rows.ids(r);
        byte[] mask = rows.mask(r);
        int p = 0;
        while (p < ids.length && mask[p] == 0) p++;
        int limit = Math.min(p + MAX_NEW_TOKENS, model.config().maxSeqLen());
        List<Integer> out = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            KvCache cache = model.newCache(limit, arena);
            int token = ids[0];
            for (int pos = 0; pos < limit; pos++) {
                int next;
                try (var step = StepScope.open()) {
                    float[] logits = model.forwardCached(new int[]{token}, pos, cache).toFloatArray();
                    next = pos + 1 < p ? ids[pos + 1] : Sampler.argmax(logits);
                }
                if (next == tok.eosId()) break;
                if (pos + 1 >= p) out.add(next);
                token = next;
            }
        }
        return tok.decode(out.stream().mapToInt(Integer::intValue).toArray());
    }
}
