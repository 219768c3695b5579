package io.fedbiot.engine.io;

import io.fedbiot.engine.model.LlamaConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Canonical (Meta/llama2.c) tensor names and their row-major shapes; every linear weight is
 * [out, in] like PyTorch's Linear.
 */
public final class LlamaTensors {
    public static final String TOK_EMBEDDINGS = "tok_embeddings";
    public static final String NORM = "norm";
    public static final String OUTPUT = "output";
    /** Per-layer suffixes in canonical order. */
    public static final String[] LAYER_PARTS = {"attention_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1", "w2", "w3"};

    private LlamaTensors() {}

    public static String layer(int i, String part) {
        return "layers." + i + "." + part;
    }

    /** Layer index of a canonical name, or -1 for the non-layer tensors. */
    public static int layerOf(String name) {
        if (!name.startsWith("layers.")) return -1;
        int dot = name.indexOf('.', 7);
        return Integer.parseInt(name.substring(7, dot));
    }

    /** The part after {@code layers.N.}, or the name itself for non-layer tensors. */
    public static String partOf(String name) {
        return name.startsWith("layers.") ? name.substring(name.indexOf('.', 7) + 1) : name;
    }

    /** Shape of one per-layer part. */
    public static int[] layerShape(LlamaConfig c, String part) {
        int d = c.dim(), kv = c.kvDim(), f = c.hiddenDim();
        return switch (part) {
            case "attention_norm", "ffn_norm" -> new int[]{d};
            case "wq", "wo" -> new int[]{d, d};
            case "wk", "wv" -> new int[]{kv, d};
            case "w1", "w3" -> new int[]{f, d};
            case "w2" -> new int[]{d, f};
            default -> throw new IllegalArgumentException("unknown layer tensor '" + part + "'");
        };
    }

    /** All tensors of {@code c} in canonical order with their shapes ({@code output} only when untied). */
    public static Map<String, int[]> expected(LlamaConfig c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put(TOK_EMBEDDINGS, new int[]{c.vocabSize(), c.dim()});
        for (int i = 0; i < c.nLayers(); i++)
            for (String p : LAYER_PARTS) m.put(layer(i, p), layerShape(c, p));
        m.put(NORM, new int[]{c.dim()});
        if (!c.tiedClassifier()) m.put(OUTPUT, new int[]{c.vocabSize(), c.dim()});
        return m;
    }
}
