package io.fedbiot.kernels;

/** Inverted dropout with drop probability p in [0, 1] and a counter-based mask from seed. */
public record Dropout(float p, long seed) {
    public Dropout {
        if (!(p >= 0f && p <= 1f)) KernelChecks.fail("dropout", "p=" + p + " must be in [0, 1]");
    }
}
