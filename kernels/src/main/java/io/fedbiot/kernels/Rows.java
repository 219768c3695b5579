package io.fedbiot.kernels;

/**
 * The shape of a row loss: N rows of V columns (the vocabulary for cross-entropy and KL, the
 * channels for NMSE); masks and targets have one entry per row.
 */
public record Rows(int N, int V) {
    public Rows {
        KernelChecks.nonNegative("rows", "N", N);
        KernelChecks.positive("rows", "V", V);
    }

    /** Elements of an [N,V] buffer. */
    public long n() {
        return (long) N * V;
    }
}
