package io.fedbiot.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * OpenBLAS's cblas_sgemm called through FFM: the reference the native GEMM is measured against
 * (benchmarks only). Looks for Debian's libopenblas.so.0, or the path in {@code fedbiot.openblas}.
 */
public final class OpenBlas {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
    private static final List<String> PATHS = List.of("/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0", "/usr/lib64/libopenblas.so.0");

    private final MethodHandle sgemm;

    private OpenBlas(SymbolLookup lib, int threads) throws Throwable {
        Linker l = Linker.nativeLinker();
        ValueLayout I = ValueLayout.JAVA_INT, F = ValueLayout.JAVA_FLOAT, P = ValueLayout.ADDRESS;
        sgemm = l.downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                FunctionDescriptor.ofVoid(I, I, I, I, I, I, F, P, I, P, I, F, P, I));
        var setThreads = lib.find("openblas_set_num_threads");
        if (setThreads.isPresent())
            l.downcallHandle(setThreads.get(), FunctionDescriptor.ofVoid(I)).invokeExact(threads);
    }

    /** OpenBLAS with {@code threads} threads; throws with the paths tried when it is not installed. */
    public static OpenBlas load(int threads) {
        String prop = System.getProperty("fedbiot.openblas");
        List<String> tried = prop != null ? List.of(prop) : PATHS;
        for (String p : tried) {
            if (!Files.isRegularFile(Path.of(p))) continue;
            try {
                return new OpenBlas(SymbolLookup.libraryLookup(Path.of(p), Arena.global()), threads);
            } catch (Throwable t) {
                throw new IllegalStateException("cannot bind OpenBLAS at " + p, t);
            }
        }
        throw new IllegalStateException("OpenBLAS not found (tried " + tried + "); apt-get install -y libopenblas0");
    }

    /** C [M,N] = alpha op(A) op(B) + beta C, row-major, as Kernels.gemm with batch 1. */
    public void gemm(boolean transA, boolean transB, int M, int N, int K, float alpha, MemorySegment A, MemorySegment B,
                     float beta, MemorySegment C) {
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, M, N, K, alpha,
                    A, transA ? M : K, B, transB ? K : N, beta, C, N);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
