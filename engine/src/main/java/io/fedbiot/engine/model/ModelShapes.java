package io.fedbiot.engine.model;

import io.fedbiot.kernels.RopeStyle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Named LLaMA shapes, one table for {@code make-checkpoint --shape}, {@code bench --shape} and the
 * JMH benchmarks, so real model sizes can be written and benchmarked with no download. HF layout
 * (q/k half-split rotary); the llama2.c TinyStories shapes tie the classifier to the embedding as
 * their checkpoints do. Names match with case and '-' ignored ("tinyllama1.1B" = "tinyllama-1.1b").
 */
public final class ModelShapes {
    private static final Map<String, LlamaConfig> SHAPES = new LinkedHashMap<>();

    static {
        // A few hundred thousand parameters, vocab 512: for tests.
        put("test-tiny", 64, 172, 2, 4, 2, 512, 128, true);
        put("stories260K", 64, 172, 5, 8, 4, 512, 512, true);
        put("stories15m", 288, 768, 6, 6, 6, 32000, 256, true);
        put("stories110m", 768, 2048, 12, 12, 12, 32000, 1024, true);
        put("tinyllama-1.1b", 2048, 5632, 22, 32, 4, 32000, 2048, false);
        put("llama2-7b", 4096, 11008, 32, 32, 32, 32000, 4096, false);
    }

    private ModelShapes() {}

    private static void put(String name, int dim, int ffn, int layers, int heads, int kv, int vocab, int seq, boolean tied) {
        SHAPES.put(name, new LlamaConfig(dim, ffn, layers, heads, kv, vocab, seq, 10000f, 1e-5f, tied, RopeStyle.HALF_SPLIT));
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT).replace("-", "");
    }

    /** The shape called {@code name}, or null. */
    public static LlamaConfig get(String name) {
        if (name == null) return null;
        for (var e : SHAPES.entrySet()) if (key(e.getKey()).equals(key(name))) return e.getValue();
        return null;
    }

    /** The shape called {@code name}; an unknown name is an error listing the known ones. */
    public static LlamaConfig byName(String name) {
        LlamaConfig c = get(name);
        if (c == null) throw new IllegalArgumentException("unknown model shape '" + name + "'; known: " + String.join(", ", names()));
        return c;
    }

    /** Known names, smallest first. */
    public static List<String> names() {
        return new ArrayList<>(SHAPES.keySet());
    }
}
