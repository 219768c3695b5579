package io.fedbiot.kernels;

import io.fedbiot.kernels.ref.RefElementwise;
import io.fedbiot.kernels.ref.RefNorm;

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
import static io.fedbiot.kernels.testing.KernelTesting.uploadInts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embedding, RMSNorm and RoPE against the float64 reference; every backward against central
 * finite differences of the reference forward (L = Σ r ⊙ f) on small shapes and against the
 * analytic reference on shapes large enough to run multithreaded.
 */
final class NormCases {
    private NormCases() {}

    static List<ParityCase> all() {
        return List.of(
                new ParityCase("embeddingForward", "gathers rows", NormCases::embeddingForwardGathersRows),
                new ParityCase("embeddingBackward", "gradient: finite differences, repeated ids, accumulates",
                        NormCases::embeddingBackwardScatterAddsRepeatedIds),
                new ParityCase("rmsnormForward", "reference, y and rstd", NormCases::rmsnormForwardMatchesReference),
                new ParityCase("rmsnormBackward", "gradient: finite differences, accumulates, null gradients",
                        NormCases::rmsnormBackwardMatchesFiniteDifferencesAndAccumulates),
                new ParityCase("embeddingForward", "an id outside the vocabulary names its row and id", NormCases::embeddingRejectsIdsOutsideTheVocabulary),
                new ParityCase("ropeForward", "an odd head size is refused", NormCases::ropeRejectsOddHeadSize),
                new ParityCase("ropeForward", "reference, both styles, out aliasing x", NormCases::ropeForwardMatchesReferenceBothStylesAndAliasing),
                new ParityCase("ropeForward", "float32 angles like llama2.c", NormCases::ropeUsesFloat32AnglesLikeLlama2c),
                new ParityCase("ropeBackward", "gradient: finite differences, accumulates", NormCases::ropeBackwardMatchesFiniteDifferencesAndAccumulates),
                new ParityCase("ropeBackward", "undoes ropeForward", NormCases::ropeForwardThenBackwardIsIdentity));
    }

    static final double RTOL = 1e-3, ATOL = 1e-4;
    /** Finite differences cost O(inputs²): shapes up to this many inputs get them. */
    static final int FD_MAX = 4000;

    private static int[] randomIds(Random r, int N, int V) {
        int[] ids = new int[N];
        for (int i = 0; i < N; i++) ids[i] = r.nextInt(V);
        return ids;
    }

    // ---- embedding ------------------------------------------------------------------------

    /** {N, C, V}; the last two run multithreaded (forward over rows, backward over columns). */
    static final int[][] EMB_SHAPES = {{1, 1, 1}, {3, 7, 5}, {17, 33, 11}, {40, 17, 3}, {100, 1000, 50},
            {64, 1031, 300}, {2000, 100, 7}};

    static void embeddingForwardGathersRows(Backend be) {
        Random r = new Random(31);
        try (Arena arena = Arena.ofShared()) {
            for (int[] s : EMB_SHAPES) {
                int N = s[0], C = s[1], V = s[2];
                float[] table = randn(r, V * C, 1);
                int[] ids = randomIds(r, N, V);
                Buf out = poisoned(be, (long) N * C, arena);
                be.embeddingForward(new Embedding(N, C, V), out, upload(be, table, arena), uploadInts(be, ids, arena));
                assertClose("embedding " + Arrays.toString(s), RefNorm.embedding(toDouble(table), ids, C), download(out), 0, 0);
            }
        }
    }

    static void embeddingBackwardScatterAddsRepeatedIds(Backend be) {
        Random r = new Random(32);
        try (Arena arena = Arena.ofShared()) {
            for (int[] s : EMB_SHAPES) {
                int N = s[0], C = s[1], V = s[2];
                float[] table = randn(r, V * C, 1), up = randn(r, N * C, 1), d0 = randn(r, V * C, 1);
                int[] ids = randomIds(r, N, V);
                if (N >= 3) ids[N - 1] = ids[0] = ids[1];   // repeats for sure
                double[] rd = toDouble(up);
                double[] expected = V * C <= FD_MAX && N * C <= 20_000
                        ? finiteDiff(t -> dot(rd, RefNorm.embedding(t, ids, C)), toDouble(table), 1e-6)
                        : RefNorm.embeddingBackward(rd, ids, V, C);
                Buf dT = upload(be, d0, arena), dO = upload(be, up, arena), I = uploadInts(be, ids, arena);
                be.embeddingBackward(new Embedding(N, C, V), dT, dO, I);
                String at = "embedding backward " + Arrays.toString(s);
                assertClose(at, RefElementwise.add(toDouble(d0), expected), download(dT), RTOL, ATOL);
                be.embeddingBackward(new Embedding(N, C, V), dT, dO, I);
                assertClose(at + " twice", RefElementwise.axpy(toDouble(d0), 2, expected), download(dT), RTOL, ATOL);
            }
        }
    }

    // ---- RMSNorm --------------------------------------------------------------------------

    /** {N, C}: odd widths; the last three run multithreaded (rows for y/dx, columns for dw). */
    static final int[][] NORM_SHAPES = {{1, 1}, {3, 3}, {2, 7}, {5, 17}, {4, 33}, {3, 1000}, {64, 1031},
            {1000, 65}, {2, 100003}};
    static final float EPS = 1e-5f;

    static void rmsnormForwardMatchesReference(Backend be) {
        Random r = new Random(33);
        try (Arena arena = Arena.ofShared()) {
            for (int[] s : NORM_SHAPES) {
                int N = s[0], C = s[1];
                float[] x = randn(r, N * C, 2), w = randn(r, C, 1);
                Buf y = poisoned(be, (long) N * C, arena), rstd = poisoned(be, N, arena);
                be.rmsnormForward(new RmsNorm(N, C, EPS), y, rstd, upload(be, x, arena), upload(be, w, arena));
                String at = "rmsnorm " + Arrays.toString(s);
                assertClose(at + " y", RefNorm.rmsnorm(toDouble(x), toDouble(w), N, C, EPS), download(y), 1e-5, 1e-6);
                assertClose(at + " rstd", RefNorm.rmsnormRstd(toDouble(x), N, C, EPS), download(rstd), 1e-6, 0);
            }
        }
    }

    static void rmsnormBackwardMatchesFiniteDifferencesAndAccumulates(Backend be) {
        Random r = new Random(34);
        try (Arena arena = Arena.ofShared()) {
            for (int[] s : NORM_SHAPES) {
                int N = s[0], C = s[1];
                float[] x = randn(r, N * C, 2), w = randn(r, C, 1), up = randn(r, N * C, 1);
                float[] dx0 = randn(r, N * C, 1), dw0 = randn(r, C, 1);
                double[] xd = toDouble(x), wd = toDouble(w), rd = toDouble(up);
                double[] expX, expW;
                if (N * C <= FD_MAX) {
                    expX = finiteDiff(v -> dot(rd, RefNorm.rmsnorm(v, wd, N, C, EPS)), xd, 1e-6);
                    expW = finiteDiff(v -> dot(rd, RefNorm.rmsnorm(xd, v, N, C, EPS)), wd, 1e-6);
                } else {
                    double[][] g = RefNorm.rmsnormBackward(rd, xd, wd, N, C, EPS);
                    expX = g[0];
                    expW = g[1];
                }
                Buf X = upload(be, x, arena), W = upload(be, w, arena), R = upload(be, up, arena);
                Buf rstd = poisoned(be, N, arena);
                RmsNorm shape = new RmsNorm(N, C, EPS);
                be.rmsnormForward(shape, poisoned(be, (long) N * C, arena), rstd, X, W);
                Buf dX = upload(be, dx0, arena), dW = upload(be, dw0, arena);
                be.rmsnormBackward(shape, dX, dW, R, X, W, rstd);
                String at = "rmsnorm backward " + Arrays.toString(s);
                // dw sums N rows of products: scale atol with N.
                double atolW = ATOL * Math.max(1, N / 16.0);
                assertClose(at + " dx", RefElementwise.add(toDouble(dx0), expX), download(dX), RTOL, ATOL);
                assertClose(at + " dw", RefElementwise.add(toDouble(dw0), expW), download(dW), RTOL, atolW);
                be.rmsnormBackward(shape, dX, dW, R, X, W, rstd);
                assertClose(at + " dx twice", RefElementwise.axpy(toDouble(dx0), 2, expX), download(dX), RTOL, ATOL);
                assertClose(at + " dw twice", RefElementwise.axpy(toDouble(dw0), 2, expW), download(dW), RTOL, 2 * atolW);

                Buf dW2 = upload(be, new float[C], arena);
                be.rmsnormBackward(shape, null, dW2, R, X, W, rstd);
                assertClose(at + " dw with dx null", expW, download(dW2), RTOL, atolW);
                Buf dX2 = upload(be, new float[N * C], arena);
                be.rmsnormBackward(shape, dX2, null, R, X, W, rstd);
                assertClose(at + " dx with dw null", expX, download(dX2), RTOL, ATOL);
                be.rmsnormBackward(shape, null, null, R, X, W, rstd);
            }
        }
    }

    // ---- RoPE -----------------------------------------------------------------------------

    /** {B, T, H, D, pos0}: D/2 odd and D not a multiple of the vector width; the last one runs multithreaded. */
    static final int[][] ROPE_SHAPES = {{1, 1, 1, 2, 0}, {1, 3, 2, 6, 5}, {2, 5, 3, 34, 0}, {2, 7, 4, 64, 37},
            {1, 4, 2, 66, 11}, {2, 64, 8, 128, 3}};
    static final float THETA = 10000f;

    static void ropeForwardMatchesReferenceBothStylesAndAliasing(Backend be) {
        Random r = new Random(36);
        try (Arena arena = Arena.ofShared()) {
            for (RopeStyle style : RopeStyle.values()) {
                for (int[] s : ROPE_SHAPES) {
                    int B = s[0], T = s[1], H = s[2], D = s[3], pos0 = s[4], n = B * T * H * D;
                    float[] x = randn(r, n, 1);
                    double[] expected = RefNorm.rope(toDouble(x), B, T, H, D, pos0, THETA, style);
                    String at = "rope " + style + " " + Arrays.toString(s);
                    Buf out = poisoned(be, n, arena);
                    be.ropeForward(new Rope(B, T, H, D, pos0, THETA, style), out, upload(be, x, arena));
                    // Float32 angles (llama2.c) against double ones: ~1e-5 at these positions.
                    assertClose(at, expected, download(out), 1e-4, 5e-5);
                    Buf X = upload(be, x, arena);
                    be.ropeForward(new Rope(B, T, H, D, pos0, THETA, style), X, X);
                    assertClose(at + " out==x", expected, download(X), 1e-4, 5e-5);
                }
            }
        }
    }

    /**
     * Far out (pos 5000) the float32 angle differs visibly from the double one; the kernel must
     * follow the float32 recipe: angle = float(pos) * ropeFreq, cos/sin of that float.
     */
    static void ropeUsesFloat32AnglesLikeLlama2c(Backend be) {
        Random r = new Random(37);
        int B = 1, T = 3, H = 2, D = 16, pos0 = 5000, n = B * T * H * D;
        float[] x = randn(r, n, 1);
        try (Arena arena = Arena.ofShared()) {
            for (RopeStyle style : RopeStyle.values()) {
                double[] expected = new double[n];
                for (int t = 0; t < T; t++)
                    for (int h = 0; h < H; h++)
                        for (int i = 0; i < D / 2; i++) {
                            float angle = (float) (pos0 + t) * KernelMath.ropeFreq(i, D, THETA);
                            float c = (float) Math.cos(angle), sn = (float) Math.sin(angle);
                            int base = (t * H + h) * D;
                            int ia = style == RopeStyle.INTERLEAVED ? base + 2 * i : base + i;
                            int ib = style == RopeStyle.INTERLEAVED ? ia + 1 : ia + D / 2;
                            expected[ia] = x[ia] * c - x[ib] * sn;
                            expected[ib] = x[ia] * sn + x[ib] * c;
                        }
                Buf out = poisoned(be, n, arena);
                be.ropeForward(new Rope(B, T, H, D, pos0, THETA, style), out, upload(be, x, arena));
                assertClose("rope float32 angles " + style, expected, download(out), 1e-6, 1e-7);
            }
        }
    }

    static void ropeBackwardMatchesFiniteDifferencesAndAccumulates(Backend be) {
        Random r = new Random(38);
        try (Arena arena = Arena.ofShared()) {
            for (RopeStyle style : RopeStyle.values()) {
                for (int[] s : ROPE_SHAPES) {
                    int B = s[0], T = s[1], H = s[2], D = s[3], pos0 = s[4], n = B * T * H * D;
                    float[] x = randn(r, n, 1), up = randn(r, n, 1), d0 = randn(r, n, 1);
                    double[] rd = toDouble(up);
                    double[] expected = n <= FD_MAX
                            ? finiteDiff(v -> dot(rd, RefNorm.rope(v, B, T, H, D, pos0, THETA, style)), toDouble(x), 1e-6)
                            : RefNorm.ropeBackward(rd, B, T, H, D, pos0, THETA, style);
                    Buf dX = upload(be, d0, arena), R = upload(be, up, arena);
                    be.ropeBackward(new Rope(B, T, H, D, pos0, THETA, style), dX, R);
                    String at = "rope backward " + style + " " + Arrays.toString(s);
                    assertClose(at, RefElementwise.add(toDouble(d0), expected), download(dX), RTOL, ATOL);
                    be.ropeBackward(new Rope(B, T, H, D, pos0, THETA, style), dX, R);
                    assertClose(at + " twice", RefElementwise.axpy(toDouble(d0), 2, expected), download(dX), RTOL, ATOL);
                }
            }
        }
    }

    /** A rotation's transpose is its inverse: backward of the forward output into zeros gives x back. */
    static void ropeForwardThenBackwardIsIdentity(Backend be) {
        Random r = new Random(39);
        try (Arena arena = Arena.ofShared()) {
            for (RopeStyle style : RopeStyle.values()) {
                for (int[] s : ROPE_SHAPES) {
                    int B = s[0], T = s[1], H = s[2], D = s[3], pos0 = s[4], n = B * T * H * D;
                    float[] x = randn(r, n, 1);
                    Buf y = poisoned(be, n, arena), back = upload(be, new float[n], arena);
                    be.ropeForward(new Rope(B, T, H, D, pos0, THETA, style), y, upload(be, x, arena));
                    be.ropeBackward(new Rope(B, T, H, D, pos0, THETA, style), back, y);
                    assertClose("rope R^T R " + style + " " + Arrays.toString(s), toDouble(x), download(back), 1e-5, 1e-6);
                }
            }
        }
    }

    static void embeddingRejectsIdsOutsideTheVocabulary(Backend be) {
        int N = 4, C = 3, V = 7;
        try (Arena arena = Arena.ofShared()) {
            Buf table = upload(be, new float[V * C], arena), out = poisoned(be, N * C, arena);
            for (int bad : new int[]{V, -1, 1_000_000}) {
                int[] ids = {0, 6, bad, 1};
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> be.embeddingForward(new Embedding(N, C, V), out, table, uploadInts(be, ids, arena)));
                String msg = e.getMessage();
                assertTrue(msg != null && msg.contains("row 2") && msg.contains(String.valueOf(bad)),
                        "message should name row 2 and id " + bad + ": " + msg);
            }
        }
    }

    static void ropeRejectsOddHeadSize(Backend be) {
        try (Arena arena = Arena.ofShared()) {
            Buf x = upload(be, new float[6], arena);
            assertThrows(IllegalArgumentException.class,
                    () -> be.ropeForward(new Rope(1, 2, 1, 3, 0, THETA, RopeStyle.HALF_SPLIT), x, x));
        }
    }
}
