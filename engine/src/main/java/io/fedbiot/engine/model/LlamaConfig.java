package io.fedbiot.engine.model;

import io.fedbiot.kernels.RopeStyle;

/**
 * LLaMA hyper-parameters. {@code ropeStyle} records how q/k rows are laid out in the checkpoint:
 * llama2.c and GGUF keep interleaved pairs, Hugging Face permutes them for half-split rotation.
 */
public record LlamaConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize,
                          int maxSeqLen, float ropeTheta, float normEps, boolean tiedClassifier,
                          RopeStyle ropeStyle) {
    public LlamaConfig {
        check(dim > 0 && hiddenDim > 0 && nLayers > 0 && nHeads > 0 && nKvHeads > 0 && vocabSize > 0 && maxSeqLen > 0,
                "all sizes must be positive");
        check(dim % nHeads == 0, "dim " + dim + " is not a multiple of n_heads " + nHeads);
        check(nHeads % nKvHeads == 0, "n_heads " + nHeads + " is not a multiple of n_kv_heads " + nKvHeads);
        check((dim / nHeads) % 2 == 0, "head size " + dim / nHeads + " must be even for RoPE");
        check(ropeTheta > 0 && normEps > 0, "rope theta and norm eps must be positive");
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException("invalid LLaMA config: " + what);
    }

    public int headSize() {
        return dim / nHeads;
    }

    public int kvDim() {
        return nKvHeads * headSize();
    }

    /** Parameter count of the base model (a tied classifier counted once). */
    public long parameterCount() {
        long perLayer = 2L * dim + (long) dim * dim * 2 + 2L * dim * kvDim() + 3L * dim * hiddenDim;
        return (long) vocabSize * dim * (tiedClassifier ? 1 : 2) + dim + perLayer * nLayers;
    }
}
