package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.ref.RefGemm;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/** Batched SGEMM against the float64 reference, on every backend (plus Java-only threading checks). */
class GemmTest {

    private static final boolean[][] TRANS = {{false, false}, {false, true}, {true, false}, {true, true}};

    /** Float error of a K-term dot product of O(1) values grows ~sqrt(K) (scaled by |alpha|). */
    private static void check(String what, double[] expected, float[] actual, int K, double alpha) {
        assertClose(what, expected, actual, 1e-4, 1e-5 * Math.sqrt(Math.max(K, 1)) * Math.max(1, Math.abs(alpha)));
    }

    /** Runs one gemm on backend be from host arrays; returns the downloaded C. */
    private static float[] run(Backend be, int batch, boolean tA, boolean tB, int M, int N, int K, float alpha,
                               float[] a, long sA, float[] b, long sB, float beta, float[] c, long sC) {
        try (Arena arena = Arena.ofShared()) {
            Buf A = upload(be, a, arena), B = upload(be, b, arena), C = upload(be, c, arena);
            be.gemm(new GemmShape(batch, tA, tB, M, N, K, sA, sB, sC), alpha, A, B, beta, C);
            return download(C);
        }
    }

    private static double[] ref(int batch, boolean tA, boolean tB, int M, int N, int K, float alpha,
                                float[] a, long sA, float[] b, long sB, float beta, float[] c, long sC) {
        return RefGemm.gemm(batch, tA, tB, M, N, K, alpha, toDouble(a), sA, toDouble(b), sB, beta, toDouble(c), sC);
    }

    /** Shapes around every edge of the blocking: 1, primes, MR/NR/MC/KC +-1, K > KC, N > NC. */
    private static List<int[]> shapes() {
        int mr = JvmGemm.MR, nr = JvmGemm.NR, mc = JvmGemm.MC, kc = JvmGemm.KC;
        List<int[]> s = new ArrayList<>();
        s.add(new int[]{1, 1, 1});
        s.add(new int[]{1, 37, 13});
        s.add(new int[]{13, 1, 7});
        s.add(new int[]{7, 13, 1});
        s.add(new int[]{mr - 1, nr - 1, 5});
        s.add(new int[]{mr + 1, nr + 1, 97});
        s.add(new int[]{mr, nr, 16});
        s.add(new int[]{37, 97, 13});
        s.add(new int[]{97, 37, 61});
        s.add(new int[]{mc - 1, 2 * nr + 3, 29});
        s.add(new int[]{mc + 1, nr - 1, 31});
        s.add(new int[]{2 * mc + 5, 11, 9});
        s.add(new int[]{11, 19, kc - 1});
        s.add(new int[]{9, 23, kc + 1});
        s.add(new int[]{13, 41, 2 * kc + 7});
        s.add(new int[]{3, JvmGemm.NC + 5, 9});
        return s;
    }

    /** Threads split whole tiles of M or N (never K), so results are bitwise identical to 1 thread. */
    @Test
    void multiThreadedIsBitwiseSingleThreaded() {
        Random rnd = new Random(7);
        Backend one = new JavaBackend(1), two = new JavaBackend(2), three = new JavaBackend(3);
        int[][] cases = { // batch, M, N, K
                {1, 301, 257, JvmGemm.KC + 50}, // split over M, K > KC
                {1, 50, 3001, 64},    // split over N
                {2, 129, 131, 75},    // few items: parallel inside each
                {12, 33, 35, 80},     // many items: parallel over the batch
        };
        for (int[] cs : cases) {
            int batch = cs[0], M = cs[1], N = cs[2], K = cs[3];
            for (boolean[] t : TRANS) {
                float[] a = randn(rnd, batch * M * K, 1), b = randn(rnd, batch * K * N, 1);
                float[] c = randn(rnd, batch * M * N, 1);
                long sA = (long) M * K, sB = (long) K * N, sC = (long) M * N;
                float[] r1 = run(one, batch, t[0], t[1], M, N, K, 0.7f, a, sA, b, sB, 0.3f, c, sC);
                float[] r2 = run(two, batch, t[0], t[1], M, N, K, 0.7f, a, sA, b, sB, 0.3f, c, sC);
                float[] r3 = run(three, batch, t[0], t[1], M, N, K, 0.7f, a, sA, b, sB, 0.3f, c, sC);
                String w = batch + "x" + M + "x" + N + "x" + K + " tA=" + t[0] + " tB=" + t[1];
                assertArrayEquals(r1, r2, "2 threads vs 1, " + w);
                assertArrayEquals(r1, r3, "3 threads vs 1, " + w);
                check("1 thread " + w, ref(batch, t[0], t[1], M, N, K, 0.7f, a, sA, b, sB, 0.3f, c, sC), r1, K, 1);
            }
        }
    }

    /** Item offsets beyond 2 GB: A and B both read from one 2.1 GB buffer at long offsets. */
    @Test
    void offsetsBeyondTwoGigabytes() {
        Backend be = new JavaBackend(2);
        Random rnd = new Random(8);
        int M = 23, N = 41, K = 35;
        long stride = (1L << 29) + 5; // item 1 starts at byte 2^31 + 20
        try (Arena arena = Arena.ofShared()) {
            Buf big = be.allocate(4L * (stride + Math.max(M * K, K * N)), arena);
            MemorySegment seg = HostBuf.of(big);
            float[] x0 = randn(rnd, Math.max(M * K, K * N), 1), x1 = randn(rnd, x0.length, 1);
            MemorySegment.copy(x0, 0, seg, ValueLayout.JAVA_FLOAT, 0, x0.length);
            MemorySegment.copy(x1, 0, seg, ValueLayout.JAVA_FLOAT, 4L * stride, x1.length);
            for (boolean[] t : new boolean[][]{{false, false}, {true, true}}) {
                Buf C = poisoned(be, 2L * M * N, arena);
                be.gemm(new GemmShape(2, t[0], t[1], M, N, K, stride, stride, (long) M * N), 1f, big, big, 0f, C);
                float[] got = download(C);
                double[] exp = new double[2 * M * N];
                double[] e0 = RefGemm.gemm(t[0], t[1], M, N, K, toDouble(x0), toDouble(x0));
                double[] e1 = RefGemm.gemm(t[0], t[1], M, N, K, toDouble(x1), toDouble(x1));
                System.arraycopy(e0, 0, exp, 0, M * N);
                System.arraycopy(e1, 0, exp, M * N, M * N);
                check("beyond 2GB tA=" + t[0] + " tB=" + t[1], exp, got, K, 1);
            }
        }
    }

    @Test
    void tooSmallBufferIsRejected() {
        Backend be = new JavaBackend(1);
        try (Arena arena = Arena.ofShared()) {
            Buf A = be.allocate(4L * 6, arena), B = be.allocate(4L * 6, arena), C = be.allocate(4L * 4, arena);
            assertDoesNotThrow(() -> be.gemm(new GemmShape(1, false, false, 2, 2, 3, 0, 0, 0), 1f, A, B, 0f, C));
            assertThrows(IllegalArgumentException.class, () -> be.gemm(new GemmShape(1, false, false, 2, 2, 4, 0, 0, 0), 1f, A, B, 0f, C));
            assertThrows(IllegalArgumentException.class, () -> be.gemm(new GemmShape(2, false, false, 2, 2, 3, 0, 0, 4), 1f, A, B, 0f, C));
        }
    }
}
