package io.fedbiot.kernels.cuda;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS through JCublas 12.6 (whose native library links libcublas.so.12). Loading the class
 * fails with an UnsatisfiedLinkError where only CUDA 13 is installed; {@link Gemms} then picks
 * {@link FfmCublasGemm}.
 */
final class JcublasGemm implements Gemm {
    private final cublasHandle handle = new cublasHandle();

    JcublasGemm(RawHandles.Stream stream) {
        JCublas2.setExceptionsEnabled(false);
        Gemm.check(JCublas2.cublasCreate(handle), "cublasCreate");
        Gemm.check(JCublas2.cublasSetStream(handle, new cudaStream_t(stream)), "cublasSetStream");
        Gemm.check(JCublas2.cublasSetMathMode(handle, Gemm.mathMode()), "cublasSetMathMode");
    }

    @Override
    public String description() {
        return "JCublas 12.6 (libcublas.so.12)";
    }

    @Override
    public void sgemm(ColumnMajorGemm g, float alpha, long a, long b, float beta, long c) {
        Gemm.check(JCublas2.cublasSgemmStridedBatched(handle, Gemm.op(g.transA()), Gemm.op(g.transB()), g.m(), g.n(), g.k(),
                Pointer.to(new float[]{alpha}), new RawHandles.Address(a), g.lda(), g.strideA(),
                new RawHandles.Address(b), g.ldb(), g.strideB(), Pointer.to(new float[]{beta}),
                new RawHandles.Address(c), g.ldc(), g.strideC(), g.batch()), "cublasSgemmStridedBatched");
    }

    @Override
    public void bf16gemm(ColumnMajorGemm g, float alpha, long a, long b, float beta, long c) {
        Gemm.check(JCublas2.cublasGemmStridedBatchedEx_new(handle, Gemm.op(g.transA()), Gemm.op(g.transB()), g.m(), g.n(), g.k(),
                Pointer.to(new float[]{alpha}), new RawHandles.Address(a), CUDA_R_16BF, g.lda(), g.strideA(),
                new RawHandles.Address(b), CUDA_R_16BF, g.ldb(), g.strideB(), Pointer.to(new float[]{beta}),
                new RawHandles.Address(c), CUDA_R_32F, g.ldc(), g.strideC(), g.batch(),
                CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT), "cublasGemmStridedBatchedEx");
    }
}
