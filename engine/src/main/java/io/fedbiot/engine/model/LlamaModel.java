package io.fedbiot.engine.model;

import io.fedbiot.engine.Linalg;
import io.fedbiot.engine.Losses;
import io.fedbiot.engine.Nn;
import io.fedbiot.engine.Ops;
import io.fedbiot.engine.Rng;
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
        return head(layers(embed(ids), 0, layers.length, 0));
    }

    /**
     * Mean masked next-token cross-entropy of ids [B,T] against targets [B,T] (mask [B,T] or null):
     * the same value as crossEntropy(forward(ids)), through {@link Losses#linearCrossEntropy}, so
     * the [B,T,V] logits are never stored.
     */
    public Tensor loss(Tensor ids, Tensor targets, Tensor mask) {
        Tensor h = Nn.rmsnorm(layers(embed(ids), 0, layers.length, 0), base.norm(), config().normEps());
        return Losses.linearCrossEntropy(h, base.classifier(), targets, mask);
    }

    /** ids [B,T] → hidden [B,T,C]. */
    public Tensor embed(Tensor ids) {
        return Nn.embedding(base.tokEmbeddings(), ids);
    }

    /** Runs positions [from, to) on x [B,T,C] whose first token sits at position pos0. */
    public Tensor layers(Tensor x, int from, int to, int pos0) {
        for (int p = from; p < to; p++) x = layer(p, x, pos0);
        return x;
    }

    /** Final RMSNorm and classifier: h [B,T,C] → logits [B,T,V]. */
    public Tensor head(Tensor h) {
        return Linalg.linear(Nn.rmsnorm(h, base.norm(), config().normEps()), base.classifier());
    }

    /** One decoder layer at model position p: x [B,T,C] → [B,T,C]. */
    public Tensor layer(int p, Tensor x, int pos0) {
        return layer(p, x, pos0, null);
    }

    private Tensor layer(int p, Tensor x, int pos0, KvCache cache) {
        LlamaConfig c = config();
        int baseLayer = layers[p];
        LayerWeights w = base.layer(baseLayer);
        LoraSet lora = loraFor(baseLayer);
        int B = x.dim(0), T = x.dim(1), H = c.nHeads(), G = c.nKvHeads(), D = c.headSize();

        Tensor xn = Nn.rmsnorm(x, w.attentionNorm(), c.normEps());
        Tensor q = linear(xn, w, LoraTarget.WQ, baseLayer, lora);                    // [B,T,H*D]
        Tensor k = linear(xn, w, LoraTarget.WK, baseLayer, lora);                    // [B,T,G*D]
        Tensor v = linear(xn, w, LoraTarget.WV, baseLayer, lora);
        q = Nn.rope(Ops.reshape(q, B, T, H, D), pos0, c.ropeTheta(), c.ropeStyle());
        k = Nn.rope(Ops.reshape(k, B, T, G, D), pos0, c.ropeTheta(), c.ropeStyle());
        v = Ops.reshape(v, B, T, G, D);
        if (cache != null) {
            Tensor[] kv = cache.append(p, k, v, pos0);
            k = kv[0];
            v = kv[1];
        }
        Tensor a = Nn.attention(q, k, v, (float) (1.0 / Math.sqrt(D)));              // [B,T,H,D]
        x = Ops.add(x, linear(Ops.reshape(a, B, T, H * D), w, LoraTarget.WO, baseLayer, lora));

        Tensor hn = Nn.rmsnorm(x, w.ffnNorm(), c.normEps());
        Tensor g = Nn.swiglu(linear(hn, w, LoraTarget.W1, baseLayer, lora), linear(hn, w, LoraTarget.W3, baseLayer, lora)); // [B,T,F]
        return Ops.add(x, linear(g, w, LoraTarget.W2, baseLayer, lora));
    }

    // y = x W^T + s (dropout(x) A^T) B^T
    private Tensor linear(Tensor x, LayerWeights w, LoraTarget t, int baseLayer, LoraSet lora) {
        Tensor y = Linalg.linear(x, w.weight(t));
        if (lora == null || !lora.config().targets().contains(t)) return y;
        float drop = lora.config().dropout();
        Tensor xd = dropoutRng != null && drop > 0f ? Nn.dropout(x, drop, dropoutRng.nextLong()) : x;
        Tensor delta = Linalg.linear(Linalg.linear(xd, lora.a(baseLayer, t)), lora.b(baseLayer, t));
        return Ops.add(y, Ops.scale(delta, lora.config().scaling()));
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
        try (var ng = Autograd.noGrad()) {
            Tensor x = embed(Tensor.ofInts(backend(), tokens, 1, tokens.length));
            for (int p = 0; p < layers.length; p++) x = layer(p, x, pos, cache);
            Tensor last = x.view(tokens.length, config().dim()).sliceRows(tokens.length - 1, tokens.length);
            return head(last).view(config().vocabSize());
        }
    }

    @Override
    public String toString() {
        return "LlamaModel" + Arrays.toString(layers);
    }
}
