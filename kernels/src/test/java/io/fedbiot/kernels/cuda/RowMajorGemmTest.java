package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.ref.RefGemm;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The row-major to cuBLAS mapping, checked without a GPU: a float64 column-major GEMM written
 * from the BLAS definition runs the mapped call on the row-major arrays as they are, and must
 * give the row-major reference's C for every transpose combination, odd sizes and batches.
 */
class RowMajorGemmTest {
    /** BLAS sgemm semantics, column-major: C(i,j) = alpha Σ_p op(A)(i,p) op(B)(p,j) + beta C(i,j), per batch item. */
    static double[] columnMajorGemm(ColumnMajorGemm g, double alpha, double[] A, double[] B, double beta, double[] C) {
        double[] out = C.clone();
        for (int item = 0; item < g.batch(); item++) {
            int ao = Math.toIntExact(item * g.strideA()), bo = Math.toIntExact(item * g.strideB()), co = Math.toIntExact(item * g.strideC());
            for (int j = 0; j < g.n(); j++)
                for (int i = 0; i < g.m(); i++) {
                    double s = 0;
                    for (int p = 0; p < g.k(); p++) {
                        double a = g.transA() ? A[ao + p + i * g.lda()] : A[ao + i + p * g.lda()];
                        double b = g.transB() ? B[bo + j + p * g.ldb()] : B[bo + p + j * g.ldb()];
                        s += a * b;
                    }
                    int c = co + i + j * g.ldc();
                    out[c] = alpha * s + (beta == 0 ? 0 : beta * out[c]);
                }
        }
        return out;
    }

    @Test
    void mappedCallComputesTheRowMajorProduct() {
        Random r = new Random(7);
        int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {17, 4, 9}, {2, 33, 1}, {8, 8, 8}};
        for (int[] s : shapes)
            for (int batch : new int[]{1, 3})
                for (boolean ta : new boolean[]{false, true})
                    for (boolean tb : new boolean[]{false, true}) {
                        int M = s[0], N = s[1], K = s[2];
                        long sa = (long) M * K, sb = (long) K * N, sc = (long) M * N;
                        double[] A = toDouble(randn(r, (int) (batch * sa), 1)), B = toDouble(randn(r, (int) (batch * sb), 1));
                        double[] C = toDouble(randn(r, (int) (batch * sc), 1));
                        double alpha = 0.5, beta = 2;
                        double[] want = RefGemm.gemm(batch, ta, tb, M, N, K, alpha, A, sa, B, sb, beta, C, sc);
                        ColumnMajorGemm g = RowMajorGemm.toColumnMajor(new GemmShape(batch, ta, tb, M, N, K, sa, sb, sc));
                        // Operands swapped: cuBLAS's A is the caller's B.
                        double[] got = columnMajorGemm(g, alpha, B, A, beta, C);
                        String what = "M" + M + " N" + N + " K" + K + " batch" + batch + " ta " + ta + " tb " + tb;
                        assertArrayEquals(want, got, 1e-9, what);
                    }
    }

    @Test
    void broadcastOperandKeepsStrideZero() {
        ColumnMajorGemm g = RowMajorGemm.toColumnMajor(new GemmShape(4, false, true, 6, 5, 3, 18, 0, 30));
        assertEquals(0, g.strideA(), "the caller's broadcast B becomes cuBLAS's A");
        assertEquals(18, g.strideB());
        assertEquals(30, g.strideC());
        assertEquals(5, g.m());
        assertEquals(6, g.n());
        assertTrue(g.transA());
        assertFalse(g.transB());
    }

    @Test
    void leadingDimensionsNeverZero() {
        ColumnMajorGemm g = RowMajorGemm.toColumnMajor(new GemmShape(1, false, false, 0, 0, 0, 0, 0, 0));
        assertTrue(g.lda() >= 1 && g.ldb() >= 1 && g.ldc() >= 1);
        assertThrows(IllegalArgumentException.class, () -> RowMajorGemm.toColumnMajor(new GemmShape(1, false, false, -1, 2, 2, 0, 0, 0)));
    }
}
