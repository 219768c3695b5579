package io.fedbiot.kernels.ref;

/** Float64 naive GEMM, the reference every GEMM-based kernel test compares against. Row-major. */
public final class RefGemm {
    private RefGemm() {}

    /** op(A) [M,K] times op(B) [K,N] -> [M,N]; A stored [K,M] if transA else [M,K], B [N,K] if transB else [K,N]. */
    public static double[] gemm(boolean transA, boolean transB, int M, int N, int K, double[] A, double[] B) {
        return gemm(1, transA, transB, M, N, K, 1.0, A, 0, B, 0, 0.0, new double[M * N], 0);
    }

    /**
     * Batched: C[i] = alpha op(A[i]) op(B[i]) + beta C[i] for i in [0, batch), items {@code stride}
     * elements apart (0 broadcasts). Returns a new C (the input is not modified); beta == 0 ignores
     * old C, even NaN. With strideC == 0 the items apply one after another to the same C.
     */
    public static double[] gemm(int batch, boolean transA, boolean transB, int M, int N, int K, double alpha,
                                double[] A, long strideA, double[] B, long strideB,
                                double beta, double[] C, long strideC) {
        double[] out = C.clone();
        for (int b = 0; b < batch; b++) {
            int ao = Math.toIntExact(b * strideA), bo = Math.toIntExact(b * strideB), co = Math.toIntExact(b * strideC);
            for (int i = 0; i < M; i++) {
                for (int j = 0; j < N; j++) {
                    double s = 0;
                    for (int k = 0; k < K; k++) {
                        double a = transA ? A[ao + k * M + i] : A[ao + i * K + k];
                        double x = transB ? B[bo + j * K + k] : B[bo + k * N + j];
                        s += a * x;
                    }
                    int c = co + i * N + j;
                    out[c] = beta == 0 ? alpha * s : alpha * s + beta * out[c];
                }
            }
        }
        return out;
    }
}
