package io.fedbiot.kernels.jvm;

import java.lang.foreign.MemorySegment;

/** STUB: replaced by the GEMM implementation. */
final class JvmGemm {
    private JvmGemm() {}

    static void gemm(Parallel par, int batch, boolean transA, boolean transB, int M, int N, int K, float alpha,
                     MemorySegment A, long strideA, MemorySegment B, long strideB, float beta, MemorySegment C, long strideC) {
        throw new UnsupportedOperationException("stub");
    }
}
