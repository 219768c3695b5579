package io.fedbiot.kernels;

import static io.fedbiot.kernels.KernelChecks.nonNegative;

/**
 * The shape of a batched GEMM {@code C[i] = alpha op(A[i]) op(B[i]) + beta C[i]}, i in [0, batch).
 * op(A) is [M,K]: A is stored [K,M] when transA, else [M,K]; op(B) is [K,N]: B is stored [N,K]
 * when transB, else [K,N]; C is [M,N]. Strides are in elements between batch items; stride 0
 * broadcasts one matrix (for C: the items accumulate into it in order).
 */
public record GemmShape(int batch, boolean transA, boolean transB, int M, int N, int K,
                        long strideA, long strideB, long strideC) {
    public GemmShape {
        nonNegative("gemm", "batch", batch);
        nonNegative("gemm", "M", M);
        nonNegative("gemm", "N", N);
        nonNegative("gemm", "K", K);
        nonNegative("gemm", "strideA", strideA);
        nonNegative("gemm", "strideB", strideB);
        nonNegative("gemm", "strideC", strideC);
    }

    /** One product A [M,K] times B [K,N]. */
    public static GemmShape of(int M, int N, int K) {
        return of(false, false, M, N, K);
    }

    /** One product op(A) op(B). */
    public static GemmShape of(boolean transA, boolean transB, int M, int N, int K) {
        return new GemmShape(1, transA, transB, M, N, K, 0, 0, 0);
    }

    /** {@code batch} products on contiguous items (strides M*K, K*N, M*N). */
    public static GemmShape batched(int batch, boolean transA, boolean transB, int M, int N, int K) {
        return new GemmShape(batch, transA, transB, M, N, K, (long) M * K, (long) K * N, (long) M * N);
    }

    /** This shape with other item strides: 0 broadcasts, a larger stride leaves gaps. */
    public GemmShape withStrides(long strideA, long strideB, long strideC) {
        return new GemmShape(batch, transA, transB, M, N, K, strideA, strideB, strideC);
    }

    /** True when C has no element: nothing to compute or check. */
    public boolean isEmpty() {
        return batch == 0 || M == 0 || N == 0;
    }

    /** Elements A must hold, last item included (batch >= 1). */
    public long spanA() {
        return (batch - 1L) * strideA + (long) M * K;
    }

    public long spanB() {
        return (batch - 1L) * strideB + (long) K * N;
    }

    public long spanC() {
        return (batch - 1L) * strideC + (long) M * N;
    }

    /** False when A and B are not read (K == 0 or alpha == 0, the BLAS convention): C = beta C. */
    public boolean readsAB(float alpha) {
        return K != 0 && alpha != 0f;
    }
}
