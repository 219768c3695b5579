package io.fedbiot.kernels;

import java.util.Objects;

/**
 * Rotary embedding of x [B,T,H,D] at positions pos0..pos0+T-1: the pair chosen by {@code style}
 * for frequency index i in [0, D/2) turns by (pos0 + t) * theta^(-2i/D).
 */
public record Rope(int B, int T, int H, int D, int pos0, float theta, RopeStyle style) {
    public Rope {
        KernelChecks.nonNegative("rope", "B", B);
        KernelChecks.nonNegative("rope", "T", T);
        KernelChecks.nonNegative("rope", "H", H);
        KernelChecks.positive("rope", "D", D);
        if (D % 2 != 0) KernelChecks.fail("rope", "D=" + D + " must be even");
        KernelChecks.nonNegative("rope", "pos0", pos0);
        if (!(theta > 0f) || Float.isInfinite(theta)) KernelChecks.fail("rope", "theta=" + theta + " must be positive and finite");
        Objects.requireNonNull(style, "rope: style is null");
    }

    /** Elements of x and out. */
    public long n() {
        return (long) B * T * H * D;
    }
}
