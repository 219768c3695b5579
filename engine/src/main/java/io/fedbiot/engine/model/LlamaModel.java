package io.fedbiot.engine.model;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Linalg;
import io.fedbiot.engine.Losses;
import io.fedbiot.engine.Nn;
import io.fedbiot.engine.Ops;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.Scratch;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A LLaMA decoder assembled from a list of base-layer indices: the full model is 0..L-1, a
 * layer-dropped emulator is any subset. Base weights are shared, never copied; LoRA sets are
 * attached by base layer index. Shape legend: B batch, T sequence, C dim, H heads, G KV heads,
 * D head size, F hidden, V vocabulary.
 *
 * <p>Each method runs in a {@link Scratch}: a layer's temporaries go back to the step's pool when
 * it returns unless autograd saved them, so inference and frozen layers hold one layer's working
 * set, and training holds what backward needs.
 */
public final class LlamaModel {
    private final LlamaWeights base;
    private final int[] layers;
    private final List<LoraSet> loras = new ArrayList<>();
    private Rng dropoutRng; // non-null while training: LoRA dropout is active

    public LlamaModel(LlamaWeights base, int[] layers) {
        for (int l : layers)
            if (!base.holds(l))
                throw new IllegalArgumentException("layer " + l + " is not in the base weights (outside 0.."
                        + (base.config().nLayers() - 1) + " or not delivered)");
        this.base = base;
        this.layers = layers.clone();
    }

    /** The full model: every base layer in order. */
    public static LlamaModel full(LlamaWeights base) {
        int[] all = new int[base.config().nLayers()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return new LlamaModel(base, all);
    }

    public LlamaConfig config() {
        return base.config();
    }

    public LlamaWeights base() {
        return base;
    }

    /** The base layer index at each position of this model. */
    public int[] layers() {
        return layers.clone();
    }

    public int depth() {
        return layers.length;
    }

    public Backend backend() {
        return base.tokEmbeddings().backend();
    }

    // ---- LoRA --------------------------------------------------------------------------------

    /** Attaches a LoRA set; it adapts every position whose base layer it covers. */
    public void attach(LoraSet set) {
        if (!set.modelConfig().equals(config())) throw new IllegalArgumentException("LoRA set was made for another model config");
        for (LoraSet other : loras)
            for (int l : set.layers())
                if (other.covers(l)) throw new IllegalArgumentException("layer " + l + " already has LoRA attached");
        loras.add(set);
    }

    public void detach(LoraSet set) {
        if (!loras.remove(set)) throw new IllegalArgumentException("LoRA set is not attached");
    }

    public void detachAll() {
        loras.clear();
    }

    public List<LoraSet> attached() {
        return List.copyOf(loras);
    }

    private LoraSet loraFor(int baseLayer) {
        for (LoraSet s : loras) if (s.covers(baseLayer)) return s;
        return null;
    }

    /** Training mode: LoRA dropout draws its seeds from {@code rng}; null switches it off (eval). */
    public void setTraining(Rng rng) {
        this.dropoutRng = rng;
    }

    // ---- training forward -----------------------------------------------------------------

    /** ids I32 [B,T] → logits [B,T,V]. */
    public Tensor forward(Tensor ids) {
        try (var s = Scratch.open()) {
            return s.keep(head(layers(embed(ids), 0, layers.length, run(0, null), true)));
        }
    }

    /**
     * Mean masked next-token cross-entropy of ids [B,T] against targets [B,T] (mask [B,T] or null):
     * the same value as crossEntropy(forward(ids)), through {@link Losses#linearCrossEntropy}, so
     * the [B,T,V] logits are never stored.
     */
    public Tensor loss(Tensor ids, Tensor targets, Tensor mask) {
        try (var s = Scratch.open()) {
            Tensor h = Nn.rmsnorm(layers(embed(ids), 0, layers.length, run(0, null), true), base.norm(), config().normEps());
            return s.keep(Losses.linearCrossEntropy(h, base.classifier(), targets, mask));
        }
    }

    /** ids [B,T] → hidden [B,T,C]. */
    public Tensor embed(Tensor ids) {
        return Nn.embedding(base.tokEmbeddings(), ids);
    }

    /** Runs positions [from, to) on x [B,T,C] whose first token sits at position pos0. */
    public Tensor layers(Tensor x, int from, int to, int pos0) {
        return layers(x, from, to, run(pos0, null), false);
    }

    // consumeInput: x is the caller's own temporary (the embedding), released once used like the rest
    private Tensor layers(Tensor x, int from, int to, Attend attend, boolean consumeInput) {
        Tensor in = x;
        for (int p = from; p < to; p++) {
            Tensor next = layer(p, x, attend);
            if (x != in || consumeInput) x.release();   // the next layer saved it if backward needs it
            x = next;
        }
        return x;
    }

    /** Final RMSNorm and classifier: h [B,T,C] → logits [B,T,V]. */
    public Tensor head(Tensor h) {
        try (var s = Scratch.open()) {
            return s.keep(Linalg.linear(Nn.rmsnorm(h, base.norm(), config().normEps()), base.classifier()));
        }
    }

    /** One decoder layer at model position p: x [B,T,C] → [B,T,C]. */
    public Tensor layer(int p, Tensor x, int pos0) {
        return layer(p, x, run(pos0, null));
    }

    private Tensor layer(int p, Tensor x, Attend attend) {
        try (var s = Scratch.open()) {
            return s.keep(layerOps(p, x, attend));
        }
    }

    /** Attention of model position p: q [B,T,H*D], k and v [B,T,G*D] → [B,T,H,D]; releases q and k once used. */
    private interface Attend {
        Tensor apply(int p, Tensor q, Tensor k, Tensor v);
    }

    /** Every row's tokens at positions pos0..pos0+T-1, against {@code cache} (batch 1) when there is one. */
    private Attend run(int pos0, KvCache cache) {
        LlamaConfig c = config();
        return (p, q, k, v) -> {
            int B = q.dim(0), T = q.dim(1), H = c.nHeads(), G = c.nKvHeads(), D = c.headSize();
            Tensor qr = Nn.rope(Ops.reshape(q, B, T, H, D), pos0, c.ropeTheta(), c.ropeStyle());
            Tensor kr = Nn.rope(Ops.reshape(k, B, T, G, D), pos0, c.ropeTheta(), c.ropeStyle());
            q.release();
            k.release();
            Tensor ks = kr, vs = Ops.reshape(v, B, T, G, D);
            if (cache != null) {
                Tensor[] kv = cache.append(p, kr, vs, pos0);
                ks = kv[0];
                vs = kv[1];
            }
            Tensor a = Nn.attention(qr, ks, vs, (float) (1.0 / Math.sqrt(D)));
            qr.release();
            kr.release();
            return a;
        };
    }

    /**
     * Batched decode: row b's one token sits at position pos[b] and attends to its own cache
     * caches[b]. Rope and attention run per row (positions and cache lengths differ); the
     * projections around them already ran as one GEMM over the rows.
     */
    private Attend rows(int[] pos, KvCache[] caches) {
        LlamaConfig c = config();
        return (p, q, k, v) -> {
            int B = q.dim(0), H = c.nHeads(), G = c.nKvHeads(), D = c.headSize();
            Tensor out = Tensor.zeros(backend(), B, 1, H, D);
            long n = (long) H * D;
            for (int b = 0; b < B; b++) {
                Tensor qr = Nn.rope(q.sliceRows(b, b + 1).view(1, 1, H, D), pos[b], c.ropeTheta(), c.ropeStyle());
                Tensor kr = Nn.rope(k.sliceRows(b, b + 1).view(1, 1, G, D), pos[b], c.ropeTheta(), c.ropeStyle());
                Tensor[] kv = caches[b].append(p, kr, v.sliceRows(b, b + 1).view(1, 1, G, D), pos[b]);
                Tensor a = Nn.attention(qr, kv[0], kv[1], (float) (1.0 / Math.sqrt(D)));
                backend().copy(out.sliceRows(b, b + 1).buf(), a.buf(), n);
                qr.release();
                kr.release();
                a.release();
            }
            q.release();
            k.release();
            return out;
        };
    }

    // Each temporary is released at its last use: it then lives on only if a node saved it.
    private Tensor layerOps(int p, Tensor x, Attend attend) {
        LlamaConfig c = config();
        int baseLayer = layers[p];
        LayerWeights w = base.layer(baseLayer);
        LoraSet lora = loraFor(baseLayer);
        int B = x.dim(0), T = x.dim(1), H = c.nHeads(), D = c.headSize();

        Tensor xn = Nn.rmsnorm(x, w.attentionNorm(), c.normEps());
        Tensor q = linear(xn, w, LoraTarget.WQ, baseLayer, lora);                    // [B,T,H*D]
        Tensor k = linear(xn, w, LoraTarget.WK, baseLayer, lora);                    // [B,T,G*D]
        Tensor v = linear(xn, w, LoraTarget.WV, baseLayer, lora);
        xn.release();
        Tensor a = attend.apply(p, q, k, v);                                         // [B,T,H,D]
        v.release();
        Tensor o = linear(Ops.reshape(a, B, T, H * D), w, LoraTarget.WO, baseLayer, lora);
        a.release();
        Tensor h = Ops.add(x, o);
        o.release();

        Tensor hn = Nn.rmsnorm(h, w.ffnNorm(), c.normEps());
        Tensor f1 = linear(hn, w, LoraTarget.W1, baseLayer, lora), f3 = linear(hn, w, LoraTarget.W3, baseLayer, lora); // [B,T,F]
        hn.release();
        Tensor f2;
        if (hasLora(lora, LoraTarget.W2) || w.w2().dtype() != DType.F32) {
            Tensor g = Nn.swiglu(f1, f3);
            f2 = linear(g, w, LoraTarget.W2, baseLayer, lora);
            g.release();
        } else {
            f2 = Nn.swigluLinear(f1, f3, w.w2());   // recomputes swiglu in backward: no [B,T,F] saved for W2
        }
        f1.release();
        f3.release();
        Tensor out = Ops.add(h, f2);
        h.release();
        f2.release();
        return out;
    }

    private static boolean hasLora(LoraSet lora, LoraTarget t) {
        return lora != null && lora.config().targets().contains(t);
    }

    // y = x W^T + s (dropout(x) A^T) B^T
    private Tensor linear(Tensor x, LayerWeights w, LoraTarget t, int baseLayer, LoraSet lora) {
        Tensor y = Linalg.linear(x, w.weight(t));
        if (!hasLora(lora, t)) return y;
        float drop = lora.config().dropout();
        Tensor xd = dropoutRng != null && drop > 0f ? Nn.dropout(x, drop, dropoutRng.nextLong()) : x;
        Tensor xa = Linalg.linear(xd, lora.a(baseLayer, t));
        if (xd != x) xd.release();
        Tensor delta = Linalg.linear(xa, lora.b(baseLayer, t));
        xa.release();
        Tensor scaled = Ops.scale(delta, lora.config().scaling());
        delta.release();
        Tensor out = Ops.add(y, scaled);
        y.release();
        scaled.release();
        return out;
    }

    // ---- inference with a KV cache -----------------------------------------------------------

    public KvCache newCache(int maxT, Arena arena) {
        return new KvCache(config(), layers.length, Math.min(maxT, config().maxSeqLen()), backend(), arena);
    }

    /**
     * Feeds tokens at positions pos.. (batch 1) through the cache and returns the logits [V] of
     * the last one. Allocates in the current step scope; records nothing for autograd.
     */
    public Tensor forwardCached(int[] tokens, int pos, KvCache cache) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to feed");
        try (var ng = Autograd.noGrad(); var s = Scratch.open()) {
            Tensor x = layers(embed(Tensor.ofInts(backend(), tokens, 1, tokens.length)), 0, layers.length, run(pos, cache), true);
            Tensor last = x.view(tokens.length, config().dim()).sliceRows(tokens.length - 1, tokens.length);
            return s.keep(head(last).view(config().vocabSize()));
        }
    }

    /**
     * Batched decode: feeds tokens[b] at position pos[b] through caches[b] for every row b and
     * returns the logits [B,V]. Every projection, the FFN and the classifier run once over the B
     * rows (M = B); rope and attention per row. Allocates in the current step scope.
     */
    public Tensor forwardCached(int[] tokens, int[] pos, KvCache[] caches) {
        int B = tokens.length;
        if (B == 0) throw new IllegalArgumentException("no rows to feed");
        if (pos.length != B || caches.length != B)
            throw new IllegalArgumentException(B + " tokens need as many positions and caches, got " + pos.length + " and " + caches.length);
        try (var ng = Autograd.noGrad(); var s = Scratch.open()) {
            Tensor x = layers(embed(Tensor.ofInts(backend(), tokens, B, 1)), 0, layers.length, rows(pos.clone(), caches.clone()), true);
            return s.keep(head(x.view(B, config().dim())));
        }
    }

    @Override
    public String toString() {
        return "LlamaModel" + Arrays.toString(layers);
    }
}
