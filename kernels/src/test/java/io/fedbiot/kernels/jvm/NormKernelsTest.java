package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.Rope;
import io.fedbiot.kernels.RmsNorm;
import io.fedbiot.kernels.Embedding;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.KernelMath;
import io.fedbiot.kernels.RopeStyle;
import io.fedbiot.kernels.ref.RefElementwise;
import io.fedbiot.kernels.ref.RefNorm;
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
import static io.fedbiot.kernels.testing.KernelTesting.uploadInts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embedding, RMSNorm and RoPE against the float64 reference; every backward against central
 * finite differences of the reference forward (L = Σ r ⊙ f) on small shapes and against the
 * analytic reference on shapes large enough to run multithreaded.
 */
class NormKernelsTest {
    static final double RTOL = 1e-3, ATOL = 1e-4;
    /** Finite differences cost O(inputs²): shapes up to this many inputs get them. */
    static final int FD_MAX = 4000;

    static List<Backend> backends() {
        return KernelTesting.backends();
    }

    private static int[] randomIds(Random r, int N, int V) {
        int[] ids = new int[N];
        for (int i = 0; i < N; i++) ids[i] = r.nextInt(V);
        return ids;
    }

    // ---- embedding ------------------------------------------------------------------------

    /** {N, C, V}; the last two run multithreaded (forward over rows, backward over columns). */
    static final int[][] EMB_SHAPES = {{1, 1, 1}, {3, 7, 5}, {17, 33, 11}, {40, 17, 3}, {100, 1000, 50},
            {64, 1031, 300}, {2000, 100, 7}};

    @ParameterizedTest
    @MethodSource("backends")
    void embeddingRejectsIdsOutsideTheVocabulary(Backend be) {
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

    // ---- RMSNorm --------------------------------------------------------------------------

    /** {N, C}: odd widths; the last three run multithreaded (rows for y/dx, columns for dw). */
    static final int[][] NORM_SHAPES = {{1, 1}, {3, 3}, {2, 7}, {5, 17}, {4, 33}, {3, 1000}, {64, 1031},
            {1000, 65}, {2, 100003}};
    static final float EPS = 1e-5f;

    /** Gradients summed over rows (dw, embedding scatter-add) give the same bits for any thread count. */
    @Test
    void rowSumsAreDeterministicAcrossThreadCounts() {
        Random r = new Random(35);
        int N = 1500, C = 257, V = 5;
        float[] x = randn(r, N * C, 1), w = randn(r, C, 1), up = randn(r, N * C, 1);
        int[] ids = randomIds(r, N, V);
        float[][] dw = new float[3][], dx = new float[3][], dT = new float[3][];
        Backend[] bes = {new JavaBackend(1), new JavaBackend(4), new JavaBackend(4)};
        for (int k = 0; k < bes.length; k++) {
            Backend be = bes[k];
            try (Arena arena = Arena.ofShared()) {
                Buf X = upload(be, x, arena), W = upload(be, w, arena), R = upload(be, up, arena);
                Buf rstd = poisoned(be, N, arena);
                be.rmsnormForward(new RmsNorm(N, C, EPS), poisoned(be, (long) N * C, arena), rstd, X, W);
                Buf dX = upload(be, new float[N * C], arena), dW = upload(be, new float[C], arena);
                be.rmsnormBackward(new RmsNorm(N, C, EPS), dX, dW, R, X, W, rstd);
                dx[k] = download(dX);
                dw[k] = download(dW);
                Buf dTable = upload(be, new float[V * C], arena);
                be.embeddingBackward(new Embedding(N, C, V), dTable, R, uploadInts(be, ids, arena));
                dT[k] = download(dTable);
            }
        }
        for (int k = 1; k < 3; k++) {
            assertArrayEquals(dw[0], dw[k], "rmsnorm dw, backend " + k + " vs 1 thread");
            assertArrayEquals(dx[0], dx[k], "rmsnorm dx, backend " + k + " vs 1 thread");
            assertArrayEquals(dT[0], dT[k], "embedding dTable, backend " + k + " vs 1 thread");
        }
    }

    // ---- RoPE -----------------------------------------------------------------------------

    /** {B, T, H, D, pos0}: D/2 odd and D not a multiple of the vector width; the last one runs multithreaded. */
    static final int[][] ROPE_SHAPES = {{1, 1, 1, 2, 0}, {1, 3, 2, 6, 5}, {2, 5, 3, 34, 0}, {2, 7, 4, 64, 37},
            {1, 4, 2, 66, 11}, {2, 64, 8, 128, 3}};
    static final float THETA = 10000f;

    @ParameterizedTest
    @MethodSource("backends")
    void ropeRejectsOddHeadSize(Backend be) {
        try (Arena arena = Arena.ofShared()) {
            Buf x = upload(be, new float[6], arena);
            assertThrows(IllegalArgumentException.class,
                    () -> be.ropeForward(new Rope(1, 2, 1, 3, 0, THETA, RopeStyle.HALF_SPLIT), x, x));
        }
    }
}
