package io.fedbiot.kernels;

/** How rotary embedding pairs the components of a head vector of size D. */
public enum RopeStyle {
    /** llama2.c / Meta: pairs (2i, 2i+1), frequency index i. */
    INTERLEAVED,
    /** Hugging Face: pairs (i, i + D/2), frequency index i. */
    HALF_SPLIT
}
