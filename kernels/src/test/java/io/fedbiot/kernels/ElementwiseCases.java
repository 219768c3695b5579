package io.fedbiot.kernels;

import io.fedbiot.kernels.ref.RefElementwise;

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
final class ElementwiseCases {
    private ElementwiseCases() {}

    static List<ParityCase> all() {
        return List.of(
                new ParityCase("fill", "writes exactly n", ElementwiseCases::fillWritesExactlyN),
                new ParityCase("copy", "is exact", ElementwiseCases::copyIsExact),
                new ParityCase("add", "reference, out aliasing a or b", be -> addAndMulMatchReferenceIncludingAliasing(be, true)),
                new ParityCase("mul", "reference, out aliasing a or b", be -> addAndMulMatchReferenceIncludingAliasing(be, false)),
                new ParityCase("scale", "reference, out aliasing x", ElementwiseCases::scaleMatchesReferenceIncludingAliasing),
                new ParityCase("mulAcc", "gradient of mul, accumulates", ElementwiseCases::mulAccIsTheGradientOfMulAndAccumulates),
                new ParityCase("axpy", "gradient of scale, accumulates", ElementwiseCases::axpyIsTheGradientOfScaleAndAccumulates),
                new ParityCase("addScalar", "gradient of sum and mean", ElementwiseCases::addScalarIsTheGradientOfSumAndMean),
                new ParityCase("sum", "reference", be -> sumAndSumSquaresMatchDouble(be, false)),
                new ParityCase("sumSquares", "reference", be -> sumAndSumSquaresMatchDouble(be, true)),
                new ParityCase("sum", "accumulates 10^6 elements in double", be -> reductionsAccumulateInDouble(be, false)),
                new ParityCase("sumSquares", "accumulates 10^6 elements in double", be -> reductionsAccumulateInDouble(be, true)),
                new ParityCase("swigluForward", "reference with saturating gates", ElementwiseCases::swigluForwardMatchesReference),
                new ParityCase("swigluBackward", "gradient: finite differences, accumulates, null gradients",
                        ElementwiseCases::swigluBackwardMatchesFiniteDifferencesAndAccumulates),
                new ParityCase("dropout", "mask follows the counter hash", ElementwiseCases::dropoutMaskFollowsTheCounterHash),
                new ParityCase("dropout", "p 0 is identity, seeds differ, out may alias x",
                        ElementwiseCases::dropoutWithPZeroIsIdentitySeedsDifferAndOutMayAliasX));
    }

    /** Odd sizes; the last two are large enough for the threaded path. */
    static final int[] SIZES = {1, 3, 7, 17, 33, 1000, 100003, 300007};
    /** Finite differences cost O(n²): only sizes up to this get them (larger ones use the analytic reference). */
    static final int FD_MAX = 1000;
    static final double RTOL = 1e-3, ATOL = 1e-4;

    static double[] filled(int n, double v) {
        double[] d = new double[n];
        Arrays.fill(d, v);
        return d;
    }

    /** Elements past n must keep their NaN: the kernel may not write outside its range. */
    private static void assertTailUntouched(String what, float[] got, int n) {
        for (int i = n; i < got.length; i++)
            assertTrue(Float.isNaN(got[i]), what + ": element " + i + " past n=" + n + " was written: " + got[i]);
    }

    // ---- plain element-wise ---------------------------------------------------------------

    static void fillWritesExactlyN(Backend be) {
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                Buf x = poisoned(be, n + 3, arena);
                be.fill(x, n, -2.5f);
                float[] got = download(x);
                assertClose("fill n=" + n, filled(n, -2.5), Arrays.copyOf(got, n), 0, 0);
                assertTailUntouched("fill n=" + n, got, n);
            }
        }
    }

    static void copyIsExact(Backend be) {
        Random r = new Random(1);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] src = randn(r, n, 1);
                Buf dst = poisoned(be, n + 3, arena);
                be.copy(dst, upload(be, src, arena), n);
                float[] got = download(dst);
                assertArrayEquals(src, Arrays.copyOf(got, n), "copy n=" + n);
                assertTailUntouched("copy n=" + n, got, n);
            }
        }
    }

    /** add (isAdd) or mul, into a fresh output and into each input. */
    static void addAndMulMatchReferenceIncludingAliasing(Backend be, boolean isAdd) {
        Random r = new Random(2);
        String op = isAdd ? "add" : "mul";
        Kernel3 k = isAdd ? be::add : be::mul;
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] a = randn(r, n, 1), b = randn(r, n, 2);
                double[] ad = toDouble(a), bd = toDouble(b);
                double[] want = isAdd ? RefElementwise.add(ad, bd) : RefElementwise.mul(ad, bd);
                Buf A = upload(be, a, arena), B = upload(be, b, arena);
                Buf out = poisoned(be, n + 3, arena);
                k.run(out, A, B, n);
                float[] got = download(out);
                assertClose(op + " n=" + n, want, Arrays.copyOf(got, n), 1e-6, 1e-7);
                assertTailUntouched(op + " n=" + n, got, n);
                Buf A2 = upload(be, a, arena);
                k.run(A2, A2, B, n);
                assertClose(op + " out==a n=" + n, want, download(A2), 1e-6, 1e-7);
                Buf B2 = upload(be, b, arena);
                k.run(B2, A, B2, n);
                assertClose(op + " out==b n=" + n, want, download(B2), 1e-6, 1e-7);
            }
        }
    }

    interface Kernel3 {
        void run(Buf out, Buf a, Buf b, long n);
    }

    static void scaleMatchesReferenceIncludingAliasing(Backend be) {
        Random r = new Random(3);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] x = randn(r, n, 1);
                Buf out = poisoned(be, n, arena);
                be.scale(out, upload(be, x, arena), -0.75f, n);
                assertClose("scale n=" + n, RefElementwise.scale(toDouble(x), -0.75), download(out), 1e-6, 1e-7);
                Buf X = upload(be, x, arena);
                be.scale(X, X, 3f, n);
                assertClose("scale out==x n=" + n, RefElementwise.scale(toDouble(x), 3), download(X), 1e-6, 1e-7);
            }
        }
    }

    /** mulAcc is the backward of mul: dA += dOut * b, checked against finite differences, accumulating. */
    static void mulAccIsTheGradientOfMulAndAccumulates(Backend be) {
        Random r = new Random(4);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] a = randn(r, n, 1), b = randn(r, n, 1), up = randn(r, n, 1), y0 = randn(r, n, 1);
                double[] ad = toDouble(a), bd = toDouble(b), rd = toDouble(up);
                Buf Y = upload(be, y0, arena), R = upload(be, up, arena), B = upload(be, b, arena);
                be.mulAcc(Y, R, B, n);
                double[] expected = n <= FD_MAX
                        ? finiteDiff(x -> dot(rd, RefElementwise.mul(x, bd)), ad, 1e-6)
                        : RefElementwise.mul(rd, bd);
                assertClose("mulAcc once n=" + n, RefElementwise.add(toDouble(y0), expected), download(Y), RTOL, ATOL);
                be.mulAcc(Y, R, B, n);
                assertClose("mulAcc twice n=" + n, RefElementwise.axpy(toDouble(y0), 2, expected), download(Y), RTOL, ATOL);
            }
        }
    }

    /** axpy is the backward of add and scale: dX += s * dOut. */
    static void axpyIsTheGradientOfScaleAndAccumulates(Backend be) {
        Random r = new Random(5);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] x = randn(r, n, 1), up = randn(r, n, 1), y0 = randn(r, n, 1);
                double[] rd = toDouble(up);
                float s = 1.7f;
                Buf Y = upload(be, y0, arena), R = upload(be, up, arena);
                be.axpy(Y, s, R, n);
                double[] expected = n <= FD_MAX
                        ? finiteDiff(v -> dot(rd, RefElementwise.scale(v, s)), toDouble(x), 1e-6)
                        : RefElementwise.scale(rd, s);
                assertClose("axpy once n=" + n, RefElementwise.add(toDouble(y0), expected), download(Y), RTOL, ATOL);
                be.axpy(Y, s, R, n);
                assertClose("axpy twice n=" + n, RefElementwise.axpy(toDouble(y0), 2, expected), download(Y), RTOL, ATOL);
            }
        }
    }

    /** addScalar is the backward of sum (factor 1) and mean (factor 1/n), with a [1] upstream gradient. */
    static void addScalarIsTheGradientOfSumAndMean(Backend be) {
        Random r = new Random(6);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] x = randn(r, n, 1), y0 = randn(r, n, 1);
                float g = (float) r.nextGaussian();
                Buf G = upload(be, new float[]{g}, arena);
                for (boolean mean : new boolean[]{false, true}) {
                    double factor = mean ? 1.0 / n : 1.0;
                    Buf Y = upload(be, y0, arena);
                    be.addScalar(Y, G, (float) factor, n);
                    double[] expected = n <= FD_MAX
                            ? finiteDiff(v -> g * factor * RefElementwise.sum(v), toDouble(x), 1e-6)
                            : filled(n, g * factor);
                    assertClose("addScalar mean=" + mean + " n=" + n, RefElementwise.add(toDouble(y0), expected),
                            download(Y), RTOL, ATOL);
                }
            }
        }
    }

    // ---- reductions -----------------------------------------------------------------------

    static void sumAndSumSquaresMatchDouble(Backend be, boolean squares) {
        Random r = new Random(7);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] x = randn(r, n, 1);
                double[] xd = toDouble(x);
                double absSum = 0;
                for (double v : xd) absSum += Math.abs(v);
                Buf X = upload(be, x, arena), out = poisoned(be, 1, arena);
                if (squares) {
                    be.sumSquares(out, X, n);
                    assertClose("sumSquares n=" + n, RefElementwise.sumSquares(xd), download(out)[0], 1e-6, 0);
                } else {
                    be.sum(out, X, n);
                    // Cancellation: the error bound is relative to Σ|x|, not to the (small) result.
                    assertClose("sum n=" + n, RefElementwise.sum(xd), download(out)[0], 1e-6, 1e-7 * absSum);
                }
            }
        }
    }

    /** On 10^6 elements a float accumulator is off by many ulps; a double one rounds once. */
    static void reductionsAccumulateInDouble(Backend be, boolean squares) {
        Random r = new Random(8);
        int n = 1_000_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (1 + 0.5 * r.nextGaussian());
        double[] xd = toDouble(x);
        try (Arena arena = Arena.ofShared()) {
            Buf X = upload(be, x, arena), out = poisoned(be, 1, arena);
            if (squares) be.sumSquares(out, X, n);
            else be.sum(out, X, n);
            double exact = squares ? RefElementwise.sumSquares(xd) : RefElementwise.sum(xd);
            float got = download(out)[0];
            assertTrue(Math.abs(got - exact) <= Math.ulp((float) exact),
                    (squares ? "sumSquares" : "sum") + " of 1e6: got " + got + ", exact " + exact + " (ulp " + Math.ulp((float) exact) + ")");
        }
    }

    // ---- SwiGLU ---------------------------------------------------------------------------

    /** Random gate inputs with saturating values up front (e^-a overflows float there). */
    private static float[] gateInputs(Random r, int n) {
        float[] a = randn(r, n, 3);
        float[] extremes = {-100f, 100f, -1000f, 30f, -30f};
        for (int i = 0; i < Math.min(n, extremes.length); i++) a[i] = extremes[i];
        return a;
    }

    static void swigluForwardMatchesReference(Backend be) {
        Random r = new Random(10);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] a = gateInputs(r, n), b = randn(r, n, 1);
                Buf out = poisoned(be, n, arena);
                be.swigluForward(out, upload(be, a, arena), upload(be, b, arena), n);
                assertClose("swiglu n=" + n, RefElementwise.swiglu(toDouble(a), toDouble(b)), download(out), 1e-5, 1e-6);
            }
        }
    }

    static void swigluBackwardMatchesFiniteDifferencesAndAccumulates(Backend be) {
        Random r = new Random(11);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                float[] a = gateInputs(r, n), b = randn(r, n, 1), up = randn(r, n, 1);
                float[] da0 = randn(r, n, 1), db0 = randn(r, n, 1);
                double[] ad = toDouble(a), bd = toDouble(b), rd = toDouble(up);
                double[] expA, expB;
                if (n <= FD_MAX) {
                    expA = finiteDiff(v -> dot(rd, RefElementwise.swiglu(v, bd)), ad, 1e-6);
                    expB = finiteDiff(v -> dot(rd, RefElementwise.swiglu(ad, v)), bd, 1e-6);
                } else {
                    double[][] g = RefElementwise.swigluBackward(rd, ad, bd);
                    expA = g[0];
                    expB = g[1];
                }
                Buf A = upload(be, a, arena), B = upload(be, b, arena), R = upload(be, up, arena);
                Buf dA = upload(be, da0, arena), dB = upload(be, db0, arena);
                be.swigluBackward(dA, dB, R, A, B, n);
                assertClose("swiglu da n=" + n, RefElementwise.add(toDouble(da0), expA), download(dA), RTOL, ATOL);
                assertClose("swiglu db n=" + n, RefElementwise.add(toDouble(db0), expB), download(dB), RTOL, ATOL);
                be.swigluBackward(dA, dB, R, A, B, n);
                assertClose("swiglu da twice n=" + n, RefElementwise.axpy(toDouble(da0), 2, expA), download(dA), RTOL, ATOL);
                assertClose("swiglu db twice n=" + n, RefElementwise.axpy(toDouble(db0), 2, expB), download(dB), RTOL, ATOL);

                // A null gradient is skipped; the other one is still right.
                Buf dB2 = upload(be, new float[n], arena);
                be.swigluBackward(null, dB2, R, A, B, n);
                assertClose("swiglu db with da null n=" + n, expB, download(dB2), RTOL, ATOL);
                Buf dA2 = upload(be, new float[n], arena);
                be.swigluBackward(dA2, null, R, A, B, n);
                assertClose("swiglu da with db null n=" + n, expA, download(dA2), RTOL, ATOL);
                be.swigluBackward(null, null, R, A, B, n);
            }
        }
    }

    // ---- dropout --------------------------------------------------------------------------

    static void dropoutMaskFollowsTheCounterHash(Backend be) {
        Random r = new Random(12);
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                for (float p : new float[]{0.1f, 0.5f, 0.9f}) {
                    long seed = r.nextLong();
                    float[] x = randn(r, n, 1);
                    Buf out = poisoned(be, n, arena), mask = poisoned(be, n, arena);
                    be.dropout(new Dropout(p, seed), out, mask, upload(be, x, arena), n);
                    float[] m = download(mask), o = download(out);
                    double keep = 1.0 / (1.0 - p);
                    long kept = 0;
                    for (int i = 0; i < n; i++) {
                        boolean drop = KernelMath.dropoutUniform(seed, i) < p;
                        if (drop) {
                            if (m[i] != 0f || o[i] != 0f)
                                fail("dropout p=" + p + " n=" + n + " element " + i + " should be dropped: mask "
                                        + m[i] + ", out " + o[i]);
                        } else {
                            kept++;
                            if (Math.abs(m[i] - keep) > 1e-6 * keep || Math.abs(o[i] - x[i] * keep) > 1e-5 * Math.abs(x[i] * keep) + 1e-7)
                                fail("dropout p=" + p + " n=" + n + " element " + i + " should be kept: mask "
                                        + m[i] + " (expected " + keep + "), out " + o[i] + " (expected " + x[i] * keep + ")");
                        }
                    }
                    if (n >= 100_000) {
                        double frac = (double) kept / n, sd = Math.sqrt(p * (1 - p) / n);
                        assertEquals(1 - p, frac, 6 * sd, "kept fraction p=" + p + " n=" + n);
                    }
                }
            }
        }
    }

    static void dropoutWithPZeroIsIdentitySeedsDifferAndOutMayAliasX(Backend be) {
        Random r = new Random(13);
        int n = 100003;
        float[] x = randn(r, n, 1);
        try (Arena arena = Arena.ofShared()) {
            Buf X = upload(be, x, arena);
            Buf out = poisoned(be, n, arena), mask = poisoned(be, n, arena);
            be.dropout(new Dropout(0f, 42L), out, mask, X, n);
            assertArrayEquals(x, download(out), "p=0 out");
            float[] ones = new float[n];
            Arrays.fill(ones, 1f);
            assertArrayEquals(ones, download(mask), "p=0 mask");

            Buf m1 = poisoned(be, n, arena), m2 = poisoned(be, n, arena);
            be.dropout(new Dropout(0.5f, 1L), poisoned(be, n, arena), m1, X, n);
            be.dropout(new Dropout(0.5f, 2L), poisoned(be, n, arena), m2, X, n);
            float[] a = download(m1), b = download(m2);
            int same = 0;
            for (int i = 0; i < n; i++) if (a[i] == b[i]) same++;
            assertTrue(same < 0.6 * n, "masks of two seeds agree on " + same + " of " + n);

            Buf X2 = upload(be, x, arena);
            be.dropout(new Dropout(0.5f, 1L), X2, m1, X2, n);
            assertClose("dropout out==x", RefElementwise.mul(toDouble(x), RefElementwise.dropoutMask(n, 0.5, 1L)),
                    download(X2), 1e-6, 0);
        }
    }
}
