package io.fedbiot.kernels.cuda;

/**
 * Row-major GEMM on a column-major library by operand swapping. A row-major matrix X [r,c] is
 * the column-major matrix X^T (c×r, leading dimension c), so C = op(A) op(B) row-major is
 * C^T = op(B)^T op(A)^T column-major: cuBLAS multiplies the caller's B (first) by A (second),
 * with m = N, n = M, and no data moves.
 */
public final class RowMajorGemm {
    private RowMajorGemm() {}

    /**
     * The cuBLAS call for row-major {@code C[M,N] = op(A) op(B)}: A stored [K,M] when transA else
     * [M,K], B stored [N,K] when transB else [K,N] (the Kernels.gemm convention). Pass the
     * caller's B as cuBLAS's A and the caller's A as cuBLAS's B.
     */
    public static ColumnMajorGemm toColumnMajor(int batch, boolean transA, boolean transB, int M, int N, int K,
                                                long strideA, long strideB, long strideC) {
        if (M < 0 || N < 0 || K < 0 || batch < 0)
            throw new IllegalArgumentException("gemm: negative size batch " + batch + " M " + M + " N " + N + " K " + K);
        // The caller's B as column-major: [K,N] row-major is N×K with ld N (no transpose needed
        // to get op(B)^T); [N,K] row-major is K×N with ld K, transposed.
        int ldFirst = Math.max(1, transB ? K : N);
        // The caller's A: [M,K] row-major is K×M with ld K; [K,M] row-major is M×K with ld M, transposed.
        int ldSecond = Math.max(1, transA ? M : K);
        return new ColumnMajorGemm(transB, transA, N, M, K, ldFirst, strideB, ldSecond, strideA, Math.max(1, N), strideC, batch);
    }
}
