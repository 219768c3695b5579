package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.ref.RefGemm;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each cuBLAS binding on its own, against the float64 reference: the test of the binding that
 * does not load on this machine skips, naming it and why (JCublas needs libcublas.so.12, FFM
 * needs libcublas.so.13 or .so.12 somewhere discovery looks).
 */
class GemmBindingsTest {
    @Test
    void jcublasBinding() {
        CudaBackend be = CudaKernelsTest.gpu();
        Gemms.Attempt at = Gemms.tryJcublas(be.deviceForTests().stream());
        assumeTrue(at.loaded(), () -> "JCublas binding skipped: " + at.failure());
        check(be, at.gemm());
    }

    @Test
    void ffmBinding() {
        CudaBackend be = CudaKernelsTest.gpu();
        Gemms.Attempt at = Gemms.tryFfm(CudaLibraries.system(), be.deviceForTests().streamAddress());
        assumeTrue(at.loaded(), () -> "FFM cuBLAS binding skipped: " + at.failure());
        check(be, at.gemm());
    }

    /** Row-major batched products with every transpose combination and a broadcast operand. */
    private static void check(CudaBackend be, Gemm gemm) {
        Random r = new Random(17);
        int batch = 2, M = 13, N = 70, K = 33;
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true}) {
                float[] A = randn(r, batch * M * K, 1), B = randn(r, K * N, 1), C = randn(r, batch * M * N, 1);
                double[] want = RefGemm.gemm(batch, ta, tb, M, N, K, 0.5, toDouble(A), (long) M * K, toDouble(B), 0,
                        -1, toDouble(C), (long) M * N);
                try (Arena arena = Arena.ofShared()) {
                    Buf ab = upload(be, A, arena), bb = upload(be, B, arena), cb = upload(be, C, arena);
                    ColumnMajorGemm g = RowMajorGemm.toColumnMajor(new GemmShape(batch, ta, tb, M, N, K, (long) M * K, 0, (long) M * N));
                    gemm.sgemm(g, 0.5f, DevBuf.of(bb, be), DevBuf.of(ab, be), -1f, DevBuf.of(cb, be));
                    assertClose(gemm.description() + " ta " + ta + " tb " + tb, want, download(cb), 1e-5, 1e-5);
                }
            }
    }
}
