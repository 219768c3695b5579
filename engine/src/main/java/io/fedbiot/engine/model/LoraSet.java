package io.fedbiot.engine.model;

import io.fedbiot.engine.ParamSet;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.Backend;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;

/**
 * LoRA matrices for a set of base-model layers (keyed by base layer index), all in one
 * contiguous {@link ParamSet}: A [r, in] and B [out, r] per layer and target. A set is separate
 * from any model: it is attached to models, copied, sent, and averaged as one block.
 */
public final class LoraSet {
    private final LlamaConfig model;
    private final LoraConfig config;
    private final int[] layers;
    private final ParamSet params;

    private LoraSet(LlamaConfig model, LoraConfig config, int[] layers, ParamSet params) {
        this.model = model;
        this.config = config;
        this.layers = layers;
        this.params = params;
    }

    /**
     * A fresh set: A uniform in ±1/sqrt(in) (PEFT's Kaiming-uniform bound), B zero, so an
     * attached fresh set leaves the model unchanged.
     */
    public static LoraSet create(LlamaConfig model, LoraConfig config, int[] layers, Backend be, Arena arena, Rng rng) {
        LoraSet s = empty(model, config, layers, be, arena);
        for (int l : s.layers)
            for (LoraTarget t : config.targets()) {
                Tensor a = s.a(l, t);
                double bound = 1.0 / Math.sqrt(a.dim(1));
                rng.uniform(a, -bound, bound);
            }
        return s;
    }

    /** A set with every matrix zero. */
    public static LoraSet empty(LlamaConfig model, LoraConfig config, int[] layers, Backend be, Arena arena) {
        int[] sorted = layers.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || sorted[i] >= model.nLayers())
                throw new IllegalArgumentException("LoRA layer " + sorted[i] + " outside the model's 0.." + (model.nLayers() - 1));
            if (i > 0 && sorted[i] == sorted[i - 1]) throw new IllegalArgumentException("LoRA layer " + sorted[i] + " listed twice");
        }
        ParamSet.Builder b = ParamSet.builder();
        for (int l : sorted)
            for (LoraTarget t : LoraTarget.values()) {
                if (!config.targets().contains(t)) continue;
                int[] io = inOut(model, t);
                b.add(name(l, t, "A"), config.rank(), io[0]);
                b.add(name(l, t, "B"), io[1], config.rank());
            }
        return new LoraSet(model, config, sorted, b.build(be, arena));
    }

    /** {in, out} of a target's weight. */
    static int[] inOut(LlamaConfig c, LoraTarget t) {
        return switch (t) {
            case WQ, WO -> new int[]{c.dim(), c.dim()};
            case WK, WV -> new int[]{c.dim(), c.kvDim()};
            case W1, W3 -> new int[]{c.dim(), c.hiddenDim()};
            case W2 -> new int[]{c.hiddenDim(), c.dim()};
        };
    }

    static String name(int layer, LoraTarget t, String ab) {
        return "layers." + layer + "." + t.key() + ".lora_" + ab;
    }

    public Tensor a(int layer, LoraTarget t) {
        return params.get(name(layer, t, "A"));
    }

    public Tensor b(int layer, LoraTarget t) {
        return params.get(name(layer, t, "B"));
    }

    public boolean covers(int layer) {
        return Arrays.binarySearch(layers, layer) >= 0;
    }

    /** Base layer indices, ascending. */
    public int[] layers() {
        return layers.clone();
    }

    public LoraConfig config() {
        return config;
    }

    public LlamaConfig modelConfig() {
        return model;
    }

    public ParamSet params() {
        return params;
    }

    /** A deep copy in {@code arena}. */
    public LoraSet copy(Arena arena) {
        LoraSet c = empty(model, config, layers, params.flat().backend(), arena);
        c.copyFrom(this);
        return c;
    }

    /** This set on backend {@code be}: itself when already there, else a copy in {@code arena}. */
    public LoraSet on(Backend be, Arena arena) {
        if (params.flat().backend() == be) return this;
        LoraSet c = empty(model, config, layers, be, arena);
        c.params.flat().copyFrom(params.flat().toFloatArray());
        return c;
    }

    /** Overwrites this set's values with another set of the same structure. */
    public void copyFrom(LoraSet other) {
        requireSameStructure(other);
        Tensor dst = params.flat();
        dst.backend().copy(dst.buf(), other.params.flat().buf(), dst.numel());
    }

    /** this = Σ w_k · sets_k (weights as given; FedAvg passes n_k / Σn). */
    public void setWeightedSum(List<LoraSet> sets, double[] weights) {
        if (sets.size() != weights.length || sets.isEmpty())
            throw new IllegalArgumentException(sets.size() + " sets for " + weights.length + " weights");
        Tensor dst = params.flat();
        Backend be = dst.backend();
        be.fill(dst.buf(), dst.numel(), 0f);
        for (int k = 0; k < sets.size(); k++) {
            requireSameStructure(sets.get(k));
            be.axpy(dst.buf(), (float) weights[k], sets.get(k).params.flat().buf(), dst.numel());
        }
    }

    private void requireSameStructure(LoraSet o) {
        if (!Arrays.equals(layers, o.layers) || !config.equals(o.config) || !model.equals(o.model))
            throw new IllegalArgumentException("LoRA sets differ in layers, targets or shapes: "
                    + Arrays.toString(layers) + " vs " + Arrays.toString(o.layers));
    }
}
