package io.fedbiot.pretrain;

import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How {@link Pretrainer} builds and trains a LLaMA from scratch.
 *
 * @param dim    model width C
 * @param layers decoder layers L
 * @param heads  attention heads H (as many KV heads)
 * @param hidden SwiGLU hidden size
 * @param seq    tokens per training window T; the model's context length is max(seq, 512), RoPE having no
 *               learned positions (positions past seq are simply never trained)
 * @param steps  optimizer steps
 * @param batch  windows per step B
 * @param lr     peak AdamW learning rate (linear warm-up, cosine decay to a tenth)
 * @param warmup warm-up steps
 * @param vocab  BPE vocabulary size when the tokenizer is trained here
 * @param seed   weight init and window sampling
 */
public record PretrainSettings(int dim, int layers, int heads, int hidden, int seq, int steps, int batch, double lr,
                               int warmup, int vocab, long seed) {
    public PretrainSettings {
        List<String> p = new ArrayList<>();
        if (dim < 2) p.add("dim must be >= 2, got " + dim);
        if (layers < 1) p.add("layers must be >= 1, got " + layers);
        if (heads < 1 || dim % Math.max(1, heads) != 0 || (dim / Math.max(1, heads)) % 2 != 0)
            p.add("heads " + heads + " must divide dim " + dim + " into an even head size");
        if (hidden < 1) p.add("hidden must be >= 1, got " + hidden);
        if (seq < 2) p.add("seq-len must be >= 2, got " + seq);
        if (steps < 1) p.add("steps must be >= 1, got " + steps);
        if (batch < 1) p.add("batch-size must be >= 1, got " + batch);
        if (!(lr > 0)) p.add("lr must be > 0, got " + lr);
        if (warmup < 0) p.add("warmup must be >= 0, got " + warmup);
        if (!p.isEmpty()) throw new IllegalArgumentException("pretrain settings: " + String.join("; ", p));
    }

    public LlamaConfig config(int vocabSize) {
        return new LlamaConfig(dim, hidden, layers, heads, heads, vocabSize, Math.max(seq, 512), 10000f, 1e-5f, false, RopeStyle.HALF_SPLIT);
    }

    /** The learning rate at step t (0-based). */
    public double lrAt(int t) {
        if (t < warmup) return lr * (t + 1) / warmup;
        double progress = steps <= warmup ? 1 : (t - warmup) / (double) (steps - warmup);
        return lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
    }

    /** Every setting in one line, for logs and cache keys. */
    public String describe() {
        return String.format(Locale.ROOT, "dim=%d layers=%d heads=%d hidden=%d seq=%d steps=%d batch=%d lr=%s warmup=%d vocab=%d seed=%d",
                dim, layers, heads, hidden, seq, steps, batch, lr, warmup, vocab, seed);
    }
}
