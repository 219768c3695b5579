package io.fedbiot.kernels.jvm;

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
            be.gemm(batch, tA, tB, M, N, K, alpha, A, sA, B, sB, beta, C, sC);
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

    @Test
    void shapesTransposesAlphaBeta() {
        Random rnd = new Random(1);
        float[][] ab = {{1f, 0f}, {0.5f, 0f}, {1f, 1f}, {-1.5f, 0.25f}, {2f, -1f}};
        for (Backend be : backends()) {
            int v = 0;
            for (int[] sh : shapes()) {
                int M = sh[0], N = sh[1], K = sh[2];
                for (boolean[] t : TRANS) {
                    float alpha = ab[v % ab.length][0], beta = ab[v % ab.length][1];
                    v++;
                    float[] a = randn(rnd, M * K, 1), b = randn(rnd, K * N, 1), c = randn(rnd, M * N, 1);
                    float[] got = run(be, 1, t[0], t[1], M, N, K, alpha, a, 0, b, 0, beta, c, 0);
                    check(String.format("%s %dx%dx%d tA=%b tB=%b alpha=%s beta=%s", be.name(), M, N, K, t[0], t[1],
                                    alpha, beta),
                            ref(1, t[0], t[1], M, N, K, alpha, a, 0, b, 0, beta, c, 0), got, K, alpha);
                }
            }
        }
    }

    @Test
    void nanPoisonedCIsIgnoredWithBetaZero() {
        Random rnd = new Random(2);
        for (Backend be : backends()) {
            for (int[] sh : new int[][]{{1, 1, 1}, {7, 37, 13}, {97, 61, 130}, {JvmGemm.MC + 1, 2 * JvmGemm.NR + 1, 40}}) {
                int M = sh[0], N = sh[1], K = sh[2];
                for (boolean[] t : TRANS) {
                    float[] a = randn(rnd, M * K, 1), b = randn(rnd, K * N, 1);
                    try (Arena arena = Arena.ofShared()) {
                        Buf C = poisoned(be, (long) M * N, arena);
                        be.gemm(1, t[0], t[1], M, N, K, 0.75f, upload(be, a, arena), 0, upload(be, b, arena), 0, 0f, C, 0);
                        double[] exp = ref(1, t[0], t[1], M, N, K, 0.75f, a, 0, b, 0, 0f, new float[M * N], 0);
                        check(be.name() + " poisoned " + M + "x" + N + "x" + K + " tA=" + t[0] + " tB=" + t[1],
                                exp, download(C), K, 1);
                    }
                }
            }
        }
    }

    @Test
    void kZeroScalesC() {
        Random rnd = new Random(3);
        for (Backend be : backends()) {
            int M = 5, N = 19;
            try (Arena arena = Arena.ofShared()) {
                Buf A = upload(be, new float[1], arena), B = upload(be, new float[1], arena);
                Buf C = poisoned(be, (long) M * N, arena);
                be.gemm(1, false, false, M, N, 0, 1f, A, 0, B, 0, 0f, C, 0);
                assertClose(be.name() + " K=0 beta=0", new double[M * N], download(C), 0, 0);
                float[] c2 = randn(rnd, 2 * M * N, 1);
                Buf C2 = upload(be, c2, arena);
                be.gemm(2, true, true, M, N, 0, 1f, A, 0, B, 0, 0.5f, C2, (long) M * N);
                double[] exp = toDouble(c2);
                for (int i = 0; i < exp.length; i++) exp[i] *= 0.5;
                assertClose(be.name() + " K=0 beta=0.5", exp, download(C2), 1e-7, 0);
            }
        }
    }

    @Test
    void betaOneAccumulates() {
        Random rnd = new Random(4);
        for (Backend be : backends()) {
            for (boolean[] t : TRANS) {
                int M = 45, N = 70, K = 2 * JvmGemm.KC + 3;
                float[] a1 = randn(rnd, M * K, 1), b1 = randn(rnd, K * N, 1);
                float[] a2 = randn(rnd, M * K, 1), b2 = randn(rnd, K * N, 1), c = randn(rnd, M * N, 1);
                try (Arena arena = Arena.ofShared()) {
                    Buf C = upload(be, c, arena);
                    be.gemm(1, t[0], t[1], M, N, K, 1f, upload(be, a1, arena), 0, upload(be, b1, arena), 0, 1f, C, 0);
                    be.gemm(1, t[0], t[1], M, N, K, -0.5f, upload(be, a2, arena), 0, upload(be, b2, arena), 0, 1f, C, 0);
                    double[] exp = ref(1, t[0], t[1], M, N, K, 1f, a1, 0, b1, 0, 1f, c, 0);
                    exp = RefGemm.gemm(1, t[0], t[1], M, N, K, -0.5, toDouble(a2), 0, toDouble(b2), 0, 1, exp, 0);
                    check(be.name() + " accumulate tA=" + t[0] + " tB=" + t[1], exp, download(C), 2 * K, 1);
                }
            }
        }
    }

    @Test
    void batchedStridesAndBroadcast() {
        Random rnd = new Random(5);
        for (Backend be : backends()) {
            for (boolean[] t : TRANS) {
                // Few large items (parallel inside an item), shared weight A (stride 0), gaps between items.
                int batch = 3, M = 131, N = 67, K = 127;
                long sA = 0, sB = (long) K * N + 7, sC = (long) M * N + 3;
                float[] a = randn(rnd, M * K, 1), b = randn(rnd, (int) (2 * sB + K * N), 1);
                float[] c = randn(rnd, (int) (2 * sC + M * N), 1); // gap values must survive untouched
                float[] got = run(be, batch, t[0], t[1], M, N, K, 1.25f, a, sA, b, sB, 0.5f, c, sC);
                check(be.name() + " batch=3 tA=" + t[0] + " tB=" + t[1],
                        ref(batch, t[0], t[1], M, N, K, 1.25f, a, sA, b, sB, 0.5f, c, sC), got, K, 1.25);

                // Many small items (parallel over the batch), B broadcast.
                batch = 16;
                M = 40;
                N = 37;
                K = 48;
                sA = (long) M * K;
                sB = 0;
                sC = (long) M * N;
                a = randn(rnd, batch * M * K, 1);
                b = randn(rnd, K * N, 1);
                float[] c0 = randn(rnd, batch * M * N, 1);
                got = run(be, batch, t[0], t[1], M, N, K, 1f, a, sA, b, sB, 0f, c0, sC);
                check(be.name() + " batch=16 tA=" + t[0] + " tB=" + t[1],
                        ref(batch, t[0], t[1], M, N, K, 1f, a, sA, b, sB, 0f, c0, sC), got, K, 1);
            }
        }
    }

    /**
     * L = Σ r ⊙ (op(A) op(B)): dA and dB written as gemm calls (the autograd backward of gemm),
     * accumulated with beta=1 onto existing gradients, against central differences of the
     * float64 forward.
     */
    @Test
    void backwardIdentitiesMatchFiniteDifferences() {
        Random rnd = new Random(6);
        int M = 5, N = 7, K = 4;
        for (Backend be : backends()) {
            for (boolean[] t : TRANS) {
                boolean tA = t[0], tB = t[1];
                float[] a = randn(rnd, M * K, 1), b = randn(rnd, K * N, 1), r = randn(rnd, M * N, 1);
                float[] ga0 = randn(rnd, M * K, 1), gb0 = randn(rnd, K * N, 1);
                double[] ad = toDouble(a), bd = toDouble(b), rd = toDouble(r);
                double[] fdA = finiteDiff(x -> dot(rd, RefGemm.gemm(tA, tB, M, N, K, x, bd)), ad, 1e-2);
                double[] fdB = finiteDiff(x -> dot(rd, RefGemm.gemm(tA, tB, M, N, K, ad, x)), bd, 1e-2);
                try (Arena arena = Arena.ofShared()) {
                    Buf A = upload(be, a, arena), B = upload(be, b, arena), dC = upload(be, r, arena);
                    Buf dA = upload(be, ga0, arena), dB = upload(be, gb0, arena);
                    if (!tA) be.gemm(1, false, !tB, M, K, N, 1f, dC, 0, B, 0, 1f, dA, 0);  // dA = dC op(B)^T
                    else be.gemm(1, tB, true, K, M, N, 1f, B, 0, dC, 0, 1f, dA, 0);        // dA^T = op(B) dC^T
                    if (!tB) be.gemm(1, !tA, false, K, N, M, 1f, A, 0, dC, 0, 1f, dB, 0);  // dB = op(A)^T dC
                    else be.gemm(1, true, tA, N, K, M, 1f, dC, 0, A, 0, 1f, dB, 0);        // dB^T = dC^T op(A)
                    double[] expA = fdA.clone(), expB = fdB.clone();
                    for (int i = 0; i < expA.length; i++) expA[i] += ga0[i];
                    for (int i = 0; i < expB.length; i++) expB[i] += gb0[i];
                    String w = be.name() + " backward tA=" + tA + " tB=" + tB;
                    assertClose(w + " dA", expA, download(dA), 1e-4, 1e-4);
                    assertClose(w + " dB", expB, download(dB), 1e-4, 1e-4);
                }
            }
        }
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
                be.gemm(2, t[0], t[1], M, N, K, 1f, big, stride, big, stride, 0f, C, (long) M * N);
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
            assertDoesNotThrow(() -> be.gemm(1, false, false, 2, 2, 3, 1f, A, 0, B, 0, 0f, C, 0));
            assertThrows(IllegalArgumentException.class, () -> be.gemm(1, false, false, 2, 2, 4, 1f, A, 0, B, 0, 0f, C, 0));
            assertThrows(IllegalArgumentException.class, () -> be.gemm(2, false, false, 2, 2, 3, 1f, A, 0, B, 0, 0f, C, 4));
        }
    }
}
