package io.fedbiot.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS called directly through FFM downcalls: works with libcublas.so.13 (CUDA 13), which
 * JCublas cannot link, and with .so.12 found outside the loader's path. Device pointers and the
 * stream are raw addresses; alpha and beta are host scalars (the default pointer mode).
 */
final class FfmCublasGemm implements Gemm {
    private final Path library;
    private final MethodHandle sgemm, gemmEx;
    private final MemorySegment handle;

    FfmCublasGemm(Path library, long stream) {
        this.library = library;
        // libcublas needs libcublasLt (same folder) and may need libcudart of the same major
        // version; load them first by path so the dependencies resolve even when their folders
        // are not on the loader's path (Python wheels keep cudart in another package).
        String soVersion = library.getFileName().toString().substring("libcublas".length());   // ".so.13"
        Path lt = library.resolveSibling("libcublasLt" + soVersion);
        if (java.nio.file.Files.isRegularFile(lt)) SymbolLookup.libraryLookup(lt, Arena.global());
        CudaLibraries.system().find(java.util.List.of("libcudart" + soVersion))
                .ifPresent(rt -> SymbolLookup.libraryLookup(rt, Arena.global()));
        SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
        MethodHandle create = fn(lib, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle setStream = fn(lib, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle setMath = fn(lib, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        // cublasSgemmStridedBatched(handle, transa, transb, m, n, k, *alpha, A, lda, strideA,
        //                           B, ldb, strideB, *beta, C, ldc, strideC, batchCount)
        sgemm = fn(lib, "cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
        // cublasGemmStridedBatchedEx(handle, transa, transb, m, n, k, *alpha, A, Atype, lda, strideA,
        //     B, Btype, ldb, strideB, *beta, C, Ctype, ldc, strideC, batchCount, computeType, algo)
        gemmEx = fn(lib, "cublasGemmStridedBatchedEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT,
                JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            Gemm.check((int) create.invokeExact(out), "cublasCreate_v2");
            handle = out.get(ADDRESS, 0);
            Gemm.check((int) setStream.invokeExact(handle, MemorySegment.ofAddress(stream)), "cublasSetStream_v2");
            Gemm.check((int) setMath.invokeExact(handle, Gemm.mathMode()), "cublasSetMathMode");
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    @Override
    public String description() {
        return "FFM " + library;
    }

    @Override
    public void sgemm(ColumnMajorGemm g, float alpha, long a, long b, float beta, long c) {
        try (Arena s = Arena.ofConfined()) {
            int rc = (int) sgemm.invokeExact(handle, Gemm.op(g.transA()), Gemm.op(g.transB()), g.m(), g.n(), g.k(),
                    s.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), g.lda(), g.strideA(),
                    MemorySegment.ofAddress(b), g.ldb(), g.strideB(), s.allocateFrom(JAVA_FLOAT, beta),
                    MemorySegment.ofAddress(c), g.ldc(), g.strideC(), g.batch());
            Gemm.check(rc, "cublasSgemmStridedBatched");
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    @Override
    public void bf16gemm(ColumnMajorGemm g, float alpha, long a, long b, float beta, long c) {
        try (Arena s = Arena.ofConfined()) {
            int rc = (int) gemmEx.invokeExact(handle, Gemm.op(g.transA()), Gemm.op(g.transB()), g.m(), g.n(), g.k(),
                    s.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), CUDA_R_16BF, g.lda(), g.strideA(),
                    MemorySegment.ofAddress(b), CUDA_R_16BF, g.ldb(), g.strideB(), s.allocateFrom(JAVA_FLOAT, beta),
                    MemorySegment.ofAddress(c), CUDA_R_32F, g.ldc(), g.strideC(), g.batch(),
                    CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
            Gemm.check(rc, "cublasGemmStridedBatchedEx");
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    private static MethodHandle fn(SymbolLookup lib, String name, FunctionDescriptor d) {
        return Ffm.downcall(lib, "cuBLAS", name, d);
    }
}
