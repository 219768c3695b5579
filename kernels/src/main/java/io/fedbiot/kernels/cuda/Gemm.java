package io.fedbiot.kernels.cuda;

/**
 * The small GEMM surface the CUDA backend needs from cuBLAS, in cuBLAS's column-major terms
 * (see {@link RowMajorGemm}). Matrices are raw device addresses; work is queued on the stream
 * the binding was created with. Two bindings: {@link JcublasGemm} (libcublas.so.12 through
 * JCublas) and {@link FfmCublasGemm} (libcublas.so.13 or .12 through FFM).
 */
interface Gemm {
    /** Which binding and library, for the log line and test messages. */
    String description();

    /** float32 in, float32 out, float32 compute (no TF32, so results match the CPU backends). */
    void sgemm(ColumnMajorGemm g, float alpha, long a, long b, float beta, long c);

    /** bf16 A and B, float32 C, float32 accumulation (cublasGemmStridedBatchedEx). */
    void bf16gemm(ColumnMajorGemm g, float alpha, long a, long b, float beta, long c);

    /** cuBLAS constants shared by both bindings (cublas_api.h, library_types.h). */
    int OP_N = 0, OP_T = 1;
    int CUDA_R_32F = 0, CUDA_R_16BF = 14;
    int CUBLAS_COMPUTE_32F = 68;
    int CUBLAS_GEMM_DEFAULT = -1;
    /** cublasMath_t: CUBLAS_DEFAULT_MATH (exact FP32) or CUBLAS_TF32_TENSOR_OP_MATH. */
    int CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3;

    /** -Dfedbiot.cuda.tf32=true lets float32 GEMMs use TF32 tensor cores (faster, ~1e-3 relative error). */
    static int mathMode() {
        return Boolean.getBoolean("fedbiot.cuda.tf32") ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
    }

    static int op(boolean trans) {
        return trans ? OP_T : OP_N;
    }

    /** Names a failed cuBLAS status (cublasStatus_t values). */
    static String statusName(int s) {
        return switch (s) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cuBLAS status";
        };
    }

    static void check(int status, String call) {
        if (status != 0) throw new CudaException(call, status, statusName(status));
    }
}
