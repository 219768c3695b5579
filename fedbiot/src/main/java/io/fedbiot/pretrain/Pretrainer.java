package io.fedbiot.pretrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.engine.Losses;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.optim.AdamW;
import io.fedbiot.engine.optim.GradClip;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.report.Progress;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Pretrains a LLaMA from scratch on a token stream: every parameter trained with AdamW (β 0.9/0.95,
 * warm-up and cosine decay, global gradient norm clipped at 1), causal-LM loss on random windows of
 * T + 1 tokens. Documents are framed as BOS text EOS and concatenated, so the model learns to end.
 */
public final class Pretrainer implements AutoCloseable {
    /** The losses of a run: per step, in order. */
    public record Result(double[] losses, long tokens, double seconds) {
        /** Mean loss over the first (or last) n steps. */
        public double meanFirst(int n) {
            return mean(0, Math.min(n, losses.length));
        }

        public double meanLast(int n) {
            return mean(Math.max(0, losses.length - n), losses.length);
        }

        private double mean(int from, int to) {
            double s = 0;
            for (int i = from; i < to; i++) s += losses[i];
            return s / (to - from);
        }
    }

    private final PretrainSettings s;
    private final Tokenizer tok;
    private final Arena arena = Arena.ofShared();
    private final LlamaWeights weights;
    private final Backend be;

    /** On the Java backend (bin/fedbiot pretrain's choice). */
    public Pretrainer(PretrainSettings s, Tokenizer tok) {
        this(s, tok, Backends.java());
    }

    /** On {@code be}: the same seed on the same backend gives the same weights. */
    public Pretrainer(PretrainSettings s, Tokenizer tok, Backend be) {
        this.s = s;
        this.tok = tok;
        this.be = be;
        this.weights = LlamaWeights.random(s.config(tok.vocabSize()), be, arena, s.seed());
    }

    public LlamaWeights weights() {
        return weights;
    }

    public Tokenizer tokenizer() {
        return tok;
    }

    /** The documents as one stream of ids, each framed BOS ... EOS. */
    public static int[] tokens(List<String> docs, Tokenizer tok) {
        List<int[]> parts = new ArrayList<>();
        long n = 0;
        for (String d : docs) {
            int[] ids = tok.encode(d, true, true);
            parts.add(ids);
            n += ids.length;
        }
        int[] all = new int[Math.toIntExact(n)];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Trains on {@code stream}; logs a line every tenth of the run and shows a bar with ETA unless quiet. */
    public Result train(int[] stream, boolean quiet, Consumer<String> log) {
        int B = s.batch(), T = s.seq();
        if (stream.length < T + 1)
            throw new IllegalArgumentException("the corpus has " + stream.length + " tokens, fewer than one window of seq + 1 = " + (T + 1));
        List<Tensor> params = new ArrayList<>(weights.toTensors().values());
        var targets = Autograd.targets(params);   // every weight
        AdamW opt = new AdamW(params, arena, (float) s.lr(), 0.9f, 0.95f, AdamW.EPS, 0f);
        SplittableRandom rng = new SplittableRandom(s.seed() ^ 0x5DEECE66DL);
        LlamaModel model = LlamaModel.full(weights);
        double[] losses = new double[s.steps()];
        int[] in = new int[B * T], out = new int[B * T];
        int every = Math.max(1, s.steps() / 10);
        long t0 = System.nanoTime();
        try (Progress bar = Progress.start("pretrain", "steps", s.steps(), quiet)) {
            for (int step = 0; step < s.steps(); step++) {
                for (int b = 0; b < B; b++) {
                    int at = rng.nextInt(stream.length - T);
                    System.arraycopy(stream, at, in, b * T, T);
                    System.arraycopy(stream, at + 1, out, b * T, T);
                }
                opt.setLearningRate((float) s.lrAt(step));
                try (var sc = StepScope.open()) {
                    Tensor loss = Losses.crossEntropy(model.forward(Tensor.ofInts(be, in, B, T)), Tensor.ofInts(be, out, B, T), null);
                    double l = loss.item();
                    if (!Double.isFinite(l))
                        throw new IllegalStateException("pretraining loss is " + l + " at step " + step + " (lr " + s.lrAt(step) + "); lower --lr");
                    Autograd.backward(loss);
                    GradClip.clipByGlobalNorm(params, 1.0);
                    opt.step();
                    opt.zeroGrad();
                    losses[step] = l;
                }
                bar.step();
                bar.status(String.format(Locale.ROOT, "loss %.4f", losses[step]));
                if ((step + 1) % every == 0 || step == 0) {
                    String line = String.format(Locale.ROOT, "pretrain step %d/%d loss %.4f lr %.2e", step + 1, s.steps(), losses[step], s.lrAt(step));
                    bar.above(() -> log.accept(line)); // on a terminal: above the progress line
                }
            }
        } finally {
            targets.close();
        }
        return new Result(losses, (long) s.steps() * B * T, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Writes the model as a Hugging Face directory (its config.json with the tokenizer's BOS/EOS ids)
     * with {@code tokenizer.json} and llama2.c's {@code tokenizer.bin} beside it, plus {@code extra}
     * small text files; built in a sibling folder and renamed into place, so {@code dir} is either the
     * old model or the complete new one.
     */
    public void save(Path dir, Map<String, String> extra) throws IOException {
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".");
        try {
            LlamaConfig c = weights.config();
            new Checkpoint(null, c, weights.toTensors(), Map.of(), List.of(), abs, Arena.ofAuto()).save(tmp); // the tensors live in this.arena
            addSpecialIds(tmp.resolve("config.json"), tok);
            TokenizerJson.write(tok, tmp.resolve("tokenizer.json"));
            TokenizerBin.write(tok, tmp.resolve("tokenizer.bin"));
            for (var e : extra.entrySet()) Files.writeString(tmp.resolve(e.getKey()), e.getValue());
            if (Files.exists(abs)) deleteTree(abs);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
    }

    /**
     * The whole job of {@code bin/fedbiot pretrain}: a BPE tokenizer trained on {@code docs} (or
     * {@code tokenizer} when given), the model trained and saved to {@code out} with
     * {@code pretrain.txt} recording the settings and the losses.
     */
    public static Result pretrain(List<String> docs, Tokenizer tokenizer, PretrainSettings s, Path out, boolean quiet,
                                  Consumer<String> log) throws IOException {
        return pretrain(docs, tokenizer, s, Backends.java(), out, quiet, log);
    }

    /** The same, with the model trained on {@code be}. */
    public static Result pretrain(List<String> docs, Tokenizer tokenizer, PretrainSettings s, Backend be, Path out, boolean quiet,
                                  Consumer<String> log) throws IOException {
        Tokenizer tok = tokenizer != null ? tokenizer : BpeTrainer.train(docs, s.vocab());
        TokenizerBin.check(tok); // both files are written after training: refuse before it
        TokenizerJson.check(tok);
        int[] stream = tokens(docs, tok);
        log.accept(String.format(Locale.ROOT, "corpus: %d documents, %,d tokens (%.2f characters per token), tokenizer %s",
                docs.size(), stream.length, docs.stream().mapToLong(String::length).sum() / (double) stream.length, tok));
        try (Pretrainer p = new Pretrainer(s, tok, be)) {
            log.accept("model: " + p.weights().config() + ", " + String.format(Locale.ROOT, "%,d", p.weights().config().parameterCount())
                    + " parameters; " + s.describe() + "; backend " + be.name());
            Result r = p.train(stream, quiet, log);
            String record = s.describe() + "\n" + String.format(Locale.ROOT,
                    "tokenizer %s%ncorpus tokens %d%nloss first-10 %.4f last-10 %.4f%nseconds %.1f%n",
                    tok.hash(), stream.length, r.meanFirst(10), r.meanLast(10), r.seconds());
            p.save(out, Map.of("pretrain.txt", record));
            log.accept(String.format(Locale.ROOT, "pretrained in %.1f s (%.0f tokens/s): loss %.4f -> %.4f; saved %s",
                    r.seconds(), r.tokens() / r.seconds(), r.meanFirst(10), r.meanLast(10), out));
            return r;
        }
    }

    /** HF reads bos_token_id/eos_token_id from config.json (generation stops at EOS). */
    private static void addSpecialIds(Path config, Tokenizer tok) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(config.toFile());
        c.put("bos_token_id", tok.bosId());
        c.put("eos_token_id", tok.eosId());
        Files.writeString(config, json.writeValueAsString(c) + "\n"); // in the folder that is renamed into place
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
