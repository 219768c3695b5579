package io.fedbiot.kernels.cuda;

/**
 * One cuBLAS (column-major) strided batched GEMM, in cuBLAS's own terms:
 * {@code C = alpha op(A) op(B) + beta C} with op(A) m×k, op(B) k×n, C m×n, leading dimensions
 * and element strides between batch items. {@link RowMajorGemm} builds it from a row-major call;
 * its "A" is then the caller's B and its "B" the caller's A.
 */
public record ColumnMajorGemm(boolean transA, boolean transB, int m, int n, int k,
                              int lda, long strideA, int ldb, long strideB, int ldc, long strideC, int batch) {}
