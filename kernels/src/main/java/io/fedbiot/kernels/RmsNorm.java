package io.fedbiot.kernels;

/** RMSNorm over N rows of C channels: y = x * rstd * w, rstd = 1/sqrt(mean_c(x²) + eps). */
public record RmsNorm(int N, int C, float eps) {
    public RmsNorm {
        KernelChecks.nonNegative("rmsnorm", "N", N);
        KernelChecks.positive("rmsnorm", "C", C);
        KernelChecks.nonNegative("rmsnorm", "eps", eps);
    }

    /** Elements of x, y and their gradients. */
    public long n() {
        return (long) N * C;
    }
}
