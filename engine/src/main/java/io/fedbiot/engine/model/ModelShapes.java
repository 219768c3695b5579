package io.fedbiot.engine.model;

import io.fedbiot.kernels.RopeStyle;

import java.util.List;
import java.util.Locale;

/** Named LLaMA shapes for benchmarks and {@code bench --shape} (random weights; the shape is what matters for speed). */
public final class ModelShapes {
    private ModelShapes() {}

    /** The names {@link #byName} accepts (any case). */
    public static List<String> names() {
        return List.of("stories260K", "stories15M", "tinyllama1.1B");
    }

    public static LlamaConfig byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            // Karpathy's tinyllamas stories260K
            case "stories260k" -> new LlamaConfig(64, 172, 5, 8, 4, 512, 512, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
            // stories15M: dim 288, hidden 768, 6 layers, 6 heads, vocab 32000
            case "stories15m" -> new LlamaConfig(288, 768, 6, 6, 6, 32000, 256, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
            // TinyLlama 1.1B (the CUDA benchmark's shape): dim 2048, hidden 5632, 22 layers, 32 heads, 4 KV heads
            case "tinyllama1.1b" -> new LlamaConfig(2048, 5632, 22, 32, 4, 32000, 2048, 10000f, 1e-5f, false, RopeStyle.HALF_SPLIT);
            default -> throw new IllegalArgumentException("unknown model shape '" + name + "'; known: " + String.join(", ", names()));
        };
    }
}
