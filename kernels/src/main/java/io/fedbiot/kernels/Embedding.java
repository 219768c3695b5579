package io.fedbiot.kernels;

/** An embedding lookup: ids [N] into a table [V,C], out [N,C]. */
public record Embedding(int N, int C, int V) {
    public Embedding {
        KernelChecks.nonNegative("embedding", "N", N);
        KernelChecks.positive("embedding", "C", C);
        KernelChecks.positive("embedding", "V", V);
    }
}
