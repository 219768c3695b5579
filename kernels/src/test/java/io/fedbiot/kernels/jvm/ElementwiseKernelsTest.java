package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.Dropout;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.KernelMath;
import io.fedbiot.kernels.ref.RefElementwise;
import io.fedbiot.kernels.testing.KernelTesting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.dot;
import static io.fedbiot.kernels.testing.KernelTesting.download;
import static io.fedbiot.kernels.testing.KernelTesting.finiteDiff;
import static io.fedbiot.kernels.testing.KernelTesting.poisoned;
import static io.fedbiot.kernels.testing.KernelTesting.randn;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;
import static io.fedbiot.kernels.testing.KernelTesting.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Element-wise kernels, reductions, SwiGLU and dropout against the float64 reference on sizes
 * that are not multiples of the vector width, up to sizes that run multithreaded.
 */
class ElementwiseKernelsTest {
    /** Odd sizes; the last two are large enough for the threaded path. */
    static final int[] SIZES = {1, 3, 7, 17, 33, 1000, 100003, 300007};
    /** Finite differences cost O(n²): only sizes up to this get them (larger ones use the analytic reference). */
    static final int FD_MAX = 1000;
    static final double RTOL = 1e-3, ATOL = 1e-4;

    static List<Backend> backends() {
        return KernelTesting.backends();
    }

    static double[] filled(int n, double v) {
        double[] d = new double[n];
        Arrays.fill(d, v);
        return d;
    }

    private static double[] tailNaN(double[] head, int extra) {
        double[] d = Arrays.copyOf(head, head.length + extra);
        Arrays.fill(d, head.length, d.length, Double.NaN);
        return d;
    }

    /** Elements past n must keep their NaN: the kernel may not write outside its range. */
    private static void assertTailUntouched(String what, float[] got, int n) {
        for (int i = n; i < got.length; i++)
            assertTrue(Float.isNaN(got[i]), what + ": element " + i + " past n=" + n + " was written: " + got[i]);
    }

    // ---- plain element-wise ---------------------------------------------------------------

    // ---- reductions -----------------------------------------------------------------------

    /** Reductions and dropout give the same bits on every call and for every thread count. */
    @Test
    void reductionsAndDropoutAreDeterministicAcrossThreadCounts() {
        Random r = new Random(9);
        int n = 777_777;
        float[] x = randn(r, n, 1);
        float[][] sums = new float[3][], masks = new float[3][];
        Backend[] bes = {new JavaBackend(1), new JavaBackend(4), new JavaBackend(4)};
        for (int k = 0; k < bes.length; k++) {
            Backend be = bes[k];
            try (Arena arena = Arena.ofShared()) {
                Buf X = upload(be, x, arena), s = poisoned(be, 2, arena);
                be.sum(s.slice(0, 4), X, n);
                be.sumSquares(s.slice(4, 4), X, n);
                sums[k] = download(s);
                Buf out = poisoned(be, n, arena), mask = poisoned(be, n, arena);
                be.dropout(new Dropout(0.3f, 1234L), out, mask, X, n);
                masks[k] = download(mask);
            }
        }
        assertArrayEquals(sums[0], sums[1], "sum/sumSquares: 1 thread vs 4 threads");
        assertArrayEquals(sums[1], sums[2], "sum/sumSquares: two runs with 4 threads");
        assertArrayEquals(masks[0], masks[1], "dropout mask: 1 thread vs 4 threads");
    }

    // ---- SwiGLU ---------------------------------------------------------------------------

    /** Random gate inputs with saturating values up front (e^-a overflows float there). */
    private static float[] gateInputs(Random r, int n) {
        float[] a = randn(r, n, 3);
        float[] extremes = {-100f, 100f, -1000f, 30f, -30f};
        for (int i = 0; i < Math.min(n, extremes.length); i++) a[i] = extremes[i];
        return a;
    }

    // ---- dropout --------------------------------------------------------------------------

}
