package io.fedbiot.engine.io;

import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named LLaMA shapes for random-weight checkpoints ({@link RandomCheckpointWriter}), so real model
 * sizes can be benchmarked with no download. HF layout (q/k half-split); the llama2.c TinyStories
 * shapes tie the classifier to the embedding as their checkpoints do.
 */
public final class ModelShapes {
    private static final Map<String, LlamaConfig> SHAPES = new LinkedHashMap<>();

    static {
        // A few hundred thousand parameters, vocab 512: for tests.
        put("test-tiny", 64, 172, 2, 4, 2, 512, 128, true);
        put("stories15m", 288, 768, 6, 6, 6, 32000, 256, true);
        put("stories110m", 768, 2048, 12, 12, 12, 32000, 1024, true);
        put("tinyllama-1.1b", 2048, 5632, 22, 32, 4, 32000, 2048, false);
        put("llama2-7b", 4096, 11008, 32, 32, 32, 32000, 4096, false);
    }

    private ModelShapes() {}

    private static void put(String name, int dim, int ffn, int layers, int heads, int kv, int vocab, int seq, boolean tied) {
        SHAPES.put(name, new LlamaConfig(dim, ffn, layers, heads, kv, vocab, seq, 10000f, 1e-5f, tied, RopeStyle.HALF_SPLIT));
    }

    /** The shape called {@code name}, or null. */
    public static LlamaConfig get(String name) {
        return SHAPES.get(name);
    }

    /** Known names, smallest first. */
    public static Iterable<String> names() {
        return SHAPES.keySet();
    }
}
