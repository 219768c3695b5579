package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.GemmShape;

/**
 * Row-major GEMM on a column-major library by operand swapping. A row-major matrix X [r,c] is
 * the column-major matrix X^T (c×r, leading dimension c), so C = op(A) op(B) row-major is
 * C^T = op(B)^T op(A)^T column-major: cuBLAS multiplies the caller's B (first) by A (second),
 * with m = N, n = M, and no data moves.
 */
public final class RowMajorGemm {
    private RowMajorGemm() {}

    /**
     * The cuBLAS call for row-major {@code C[M,N] = op(A) op(B)} of {@code s} (the Kernels.gemm
     * convention). Pass the caller's B as cuBLAS's A and the caller's A as cuBLAS's B.
     */
    public static ColumnMajorGemm toColumnMajor(GemmShape s) {
        int M = s.M(), N = s.N(), K = s.K();
        // The caller's B as column-major: [K,N] row-major is N×K with ld N (no transpose needed
        // to get op(B)^T); [N,K] row-major is K×N with ld K, transposed.
        int ldFirst = Math.max(1, s.transB() ? K : N);
        // The caller's A: [M,K] row-major is K×M with ld K; [K,M] row-major is M×K with ld M, transposed.
        int ldSecond = Math.max(1, s.transA() ? M : K);
        return new ColumnMajorGemm(s.transB(), s.transA(), N, M, K, ldFirst, s.strideB(), ldSecond, s.strideA(), Math.max(1, N),
                s.strideC(), s.batch());
    }
}
