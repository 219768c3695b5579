package io.fedbiot.engine.model;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.Backend;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The frozen base model: embedding, layers, final norm, classifier (null when tied to the
 * embedding). Models built from it share these tensors; nothing here is ever trained by LoRA runs.
 */
public record LlamaWeights(LlamaConfig config, Tensor tokEmbeddings, List<LayerWeights> layers, Tensor norm, Tensor output) {
    public LlamaWeights {
        // A null entry is a layer these weights do not hold (a client never receives dropped layers).
        layers = java.util.Collections.unmodifiableList(new ArrayList<>(layers));
        if (layers.size() != config.nLayers())
            throw new IllegalArgumentException(layers.size() + " layers for a config of " + config.nLayers());
    }

    /** The same tensors (no copies) restricted to {@code keep}; the other layers are absent. */
    public LlamaWeights subset(int[] keep) {
        List<LayerWeights> sub = new ArrayList<>(java.util.Collections.nCopies(layers.size(), (LayerWeights) null));
        for (int l : keep) sub.set(l, layer(l));
        return new LlamaWeights(config, tokEmbeddings, sub, norm, output);
    }

    /** Layer l; a clear error when these weights do not hold it. */
    public LayerWeights layer(int l) {
        LayerWeights w = l >= 0 && l < layers.size() ? layers.get(l) : null;
        if (w == null) throw new IllegalArgumentException("layer " + l + " is not part of these weights");
        return w;
    }

    public boolean holds(int l) {
        return l >= 0 && l < layers.size() && layers.get(l) != null;
    }

    /** The classifier [V,C]: the separate output matrix, or the embedding when tied. */
    public Tensor classifier() {
        return output != null ? output : tokEmbeddings;
    }

    /**
     * Builds the weights from canonical names (tok_embeddings, layers.{i}.wq ..., norm, output),
     * checking every shape against the config; {@code source} names the file in messages.
     */
    public static LlamaWeights fromTensors(LlamaConfig c, Map<String, Tensor> t, String source) {
        int C = c.dim(), F = c.hiddenDim(), kv = c.kvDim(), V = c.vocabSize();
        Tensor emb = need(t, "tok_embeddings", source, V, C);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.nLayers(); i++) {
            String p = "layers." + i + ".";
            layers.add(new LayerWeights(need(t, p + "attention_norm", source, C),
                    need(t, p + "wq", source, C, C), need(t, p + "wk", source, kv, C), need(t, p + "wv", source, kv, C),
                    need(t, p + "wo", source, C, C), need(t, p + "ffn_norm", source, C),
                    need(t, p + "w1", source, F, C), need(t, p + "w2", source, C, F), need(t, p + "w3", source, F, C)));
        }
        Tensor norm = need(t, "norm", source, C);
        Tensor out = c.tiedClassifier() ? null : need(t, "output", source, V, C);
        return new LlamaWeights(c, emb, layers, norm, out);
    }

    private static Tensor need(Map<String, Tensor> t, String name, String source, int... shape) {
        Tensor x = t.get(name);
        if (x == null) throw new IllegalArgumentException(source + ": missing tensor '" + name + "'");
        if (!Arrays.equals(x.shape(), shape))
            throw new IllegalArgumentException(source + ": tensor '" + name + "' has shape " + Arrays.toString(x.shape())
                    + ", the config needs " + Arrays.toString(shape));
        if (x.dtype() != DType.F32)
            throw new IllegalArgumentException(source + ": tensor '" + name + "' is " + x.dtype() + ", expected F32");
        return x;
    }

    /** Canonical name → tensor, the inverse of {@link #fromTensors}. */
    public Map<String, Tensor> toTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("tok_embeddings", tokEmbeddings);
        for (int i = 0; i < layers.size(); i++) {
            LayerWeights l = layers.get(i);
            if (l == null) continue;
            String p = "layers." + i + ".";
            m.put(p + "attention_norm", l.attentionNorm());
            m.put(p + "wq", l.wq());
            m.put(p + "wk", l.wk());
            m.put(p + "wv", l.wv());
            m.put(p + "wo", l.wo());
            m.put(p + "ffn_norm", l.ffnNorm());
            m.put(p + "w1", l.w1());
            m.put(p + "w2", l.w2());
            m.put(p + "w3", l.w3());
        }
        m.put("norm", norm);
        if (output != null) m.put("output", output);
        return m;
    }

    /**
     * Random weights for benchmarks and tests: N(0, 0.02²) matrices (GPT-2 style), the residual
     * projections wo and w2 scaled by 1/sqrt(2·layers), norms at one.
     */
    public static LlamaWeights random(LlamaConfig c, Backend be, Arena arena, long seed) {
        Rng rng = new Rng(seed);
        int C = c.dim(), F = c.hiddenDim(), kv = c.kvDim(), V = c.vocabSize();
        double std = 0.02, resid = std / Math.sqrt(2.0 * c.nLayers());
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.nLayers(); i++) {
            layers.add(new LayerWeights(ones(be, arena, C), normal(be, arena, rng, std, C, C), normal(be, arena, rng, std, kv, C),
                    normal(be, arena, rng, std, kv, C), normal(be, arena, rng, resid, C, C), ones(be, arena, C),
                    normal(be, arena, rng, std, F, C), normal(be, arena, rng, resid, C, F), normal(be, arena, rng, std, F, C)));
        }
        Tensor emb = normal(be, arena, rng, std, V, C);
        Tensor out = c.tiedClassifier() ? null : normal(be, arena, rng, std, V, C);
        return new LlamaWeights(c, emb, layers, ones(be, arena, C), out);
    }

    private static Tensor normal(Backend be, Arena arena, Rng rng, double std, int... shape) {
        Tensor t = Tensor.zeros(be, DType.F32, arena, shape);
        rng.normal(t, std);
        return t;
    }

    private static Tensor ones(Backend be, Arena arena, int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return Tensor.of(be, arena, v, n);
    }

    /** These weights on backend {@code be}: this object when already there, else a copy in {@code arena}. */
    public LlamaWeights on(io.fedbiot.kernels.Backend be, java.lang.foreign.Arena arena) {
        return tokEmbeddings.backend() == be ? this : DeviceWeights.toDevice(this, be, arena, false);
    }
}
