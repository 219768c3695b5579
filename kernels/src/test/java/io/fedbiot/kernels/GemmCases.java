package io.fedbiot.kernels;

import io.fedbiot.kernels.jvm.JavaBackend;
import io.fedbiot.kernels.ref.RefGemm;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;

/** Batched SGEMM against the float64 reference; shapes around the Java backend's blocking (see NativeBackendTest for each native variant's). */
final class GemmCases {
    private GemmCases() {}

    static final boolean[][] TRANS = {{false, false}, {false, true}, {true, false}, {true, true}};

    static List<ParityCase> all() {
        return List.of(
                new ParityCase("gemm", "shapes, transposes, alpha and beta", GemmCases::shapesTransposesAlphaBeta),
                new ParityCase("gemm", "NaN-poisoned C is ignored with beta 0", GemmCases::nanPoisonedCIsIgnoredWithBetaZero),
                new ParityCase("gemm", "K 0 or alpha 0 scales C without reading A and B", GemmCases::noProductScalesC),
                new ParityCase("gemm", "beta 1 accumulates", GemmCases::betaOneAccumulates),
                new ParityCase("gemm", "batched strides and broadcast", GemmCases::batchedStridesAndBroadcast),
                new ParityCase("gemm", "stride 0 C accumulates the items in order", GemmCases::strideZeroOutputAccumulates),
                new ParityCase("gemm", "gradient: the backward products against finite differences", GemmCases::backwardIdentities));
    }

    /** Float error of a K-term dot product of O(1) values grows ~sqrt(K) (scaled by |alpha|). */
    static void check(String what, double[] expected, float[] actual, int K, double alpha) {
        assertClose(what, expected, actual, 1e-4, 1e-5 * Math.sqrt(Math.max(K, 1)) * Math.max(1, Math.abs(alpha)));
    }

    /** One gemm from host arrays; the downloaded C. */
    static float[] run(Backend be, GemmShape g, float alpha, float[] a, float[] b, float beta, float[] c) {
        try (Arena arena = Arena.ofShared()) {
            Buf C = upload(be, c, arena);
            be.gemm(g, alpha, upload(be, a, arena), upload(be, b, arena), beta, C);
            return download(C);
        }
    }

    static double[] ref(GemmShape g, float alpha, float[] a, float[] b, float beta, float[] c) {
        return RefGemm.gemm(g.batch(), g.transA(), g.transB(), g.M(), g.N(), g.K(), alpha, toDouble(a), g.strideA(),
                toDouble(b), g.strideB(), beta, toDouble(c), g.strideC());
    }

    /** Shapes around every edge of the blocking: 1, primes, MR/NR/MC/KC +-1, K > KC, N > NC. */
    private static List<int[]> shapes() {
        int[] bl = JavaBackend.gemmBlocking();
        int mr = bl[0], nr = bl[1], kc = bl[2], mc = bl[3], nc = bl[4];
        return List.of(new int[]{1, 1, 1}, new int[]{1, 37, 13}, new int[]{13, 1, 7}, new int[]{7, 13, 1},
                new int[]{mr - 1, nr - 1, 5}, new int[]{mr + 1, nr + 1, 97}, new int[]{mr, nr, 16}, new int[]{37, 97, 13},
                new int[]{97, 37, 61}, new int[]{mc - 1, 2 * nr + 3, 29}, new int[]{mc + 1, nr - 1, 31}, new int[]{2 * mc + 5, 11, 9},
                new int[]{11, 19, kc - 1}, new int[]{9, 23, kc + 1}, new int[]{13, 41, 2 * kc + 7}, new int[]{3, nc + 5, 9});
    }

    static void shapesTransposesAlphaBeta(Backend be) {
        Random rnd = new Random(1);
        float[][] ab = {{1f, 0f}, {0.5f, 0f}, {1f, 1f}, {-1.5f, 0.25f}, {2f, -1f}};
        int v = 0;
        for (int[] sh : shapes()) {
            int M = sh[0], N = sh[1], K = sh[2];
            for (boolean[] t : TRANS) {
                float alpha = ab[v % ab.length][0], beta = ab[v % ab.length][1];
                v++;
                GemmShape g = GemmShape.of(t[0], t[1], M, N, K);
                float[] a = randn(rnd, M * K, 1), b = randn(rnd, K * N, 1), c = randn(rnd, M * N, 1);
                check(String.format("%s alpha=%s beta=%s", g, alpha, beta), ref(g, alpha, a, b, beta, c),
                        run(be, g, alpha, a, b, beta, c), K, alpha);
            }
        }
    }

    static void nanPoisonedCIsIgnoredWithBetaZero(Backend be) {
        Random rnd = new Random(2);
        int[] bl = JavaBackend.gemmBlocking();
        for (int[] sh : new int[][]{{1, 1, 1}, {7, 37, 13}, {97, 61, 130}, {bl[3] + 1, 2 * bl[1] + 1, 40}}) {
            int M = sh[0], N = sh[1], K = sh[2];
            for (boolean[] t : TRANS) {
                GemmShape g = GemmShape.of(t[0], t[1], M, N, K);
                float[] a = randn(rnd, M * K, 1), b = randn(rnd, K * N, 1);
                try (Arena arena = Arena.ofShared()) {
                    Buf C = poisoned(be, (long) M * N, arena);
                    be.gemm(g, 0.75f, upload(be, a, arena), upload(be, b, arena), 0f, C);
                    check("poisoned " + g, ref(g, 0.75f, a, b, 0f, new float[M * N]), download(C), K, 1);
                }
            }
        }
    }

    /** K == 0 or alpha == 0: C = beta C, and A and B (all NaN here) are not read (the BLAS convention). */
    static void noProductScalesC(Backend be) {
        Random rnd = new Random(3);
        int M = 5, N = 19;
        try (Arena arena = Arena.ofShared()) {
            Buf A = poisoned(be, 1, arena), B = poisoned(be, 1, arena);
            Buf C = poisoned(be, (long) M * N, arena);
            be.gemm(GemmShape.of(M, N, 0), 1f, A, B, 0f, C);
            assertClose("K=0 beta=0", new double[M * N], download(C), 0, 0);
            float[] c2 = randn(rnd, 2 * M * N, 1);
            Buf C2 = upload(be, c2, arena);
            be.gemm(GemmShape.batched(2, true, true, M, N, 0), 1f, A, B, 0.5f, C2);
            double[] exp = toDouble(c2);
            for (int i = 0; i < exp.length; i++) exp[i] *= 0.5;
            assertClose("K=0 beta=0.5", exp, download(C2), 1e-7, 0);
            int K = 7;
            Buf A7 = poisoned(be, (long) M * K, arena), B7 = poisoned(be, (long) K * N, arena);
            Buf C3 = upload(be, c2, arena);
            be.gemm(GemmShape.batched(2, false, true, M, N, K), 0f, A7, B7, 0.5f, C3);
            assertClose("alpha=0 beta=0.5", exp, download(C3), 1e-7, 0);
        }
    }

    static void betaOneAccumulates(Backend be) {
        Random rnd = new Random(4);
        for (boolean[] t : TRANS) {
            int M = 45, N = 70, K = 2 * JavaBackend.gemmBlocking()[2] + 3;
            GemmShape g = GemmShape.of(t[0], t[1], M, N, K);
            float[] a1 = randn(rnd, M * K, 1), b1 = randn(rnd, K * N, 1);
            float[] a2 = randn(rnd, M * K, 1), b2 = randn(rnd, K * N, 1), c = randn(rnd, M * N, 1);
            try (Arena arena = Arena.ofShared()) {
                Buf C = upload(be, c, arena);
                be.gemm(g, 1f, upload(be, a1, arena), upload(be, b1, arena), 1f, C);
                be.gemm(g, -0.5f, upload(be, a2, arena), upload(be, b2, arena), 1f, C);
                double[] exp = ref(g, 1f, a1, b1, 1f, c);
                exp = RefGemm.gemm(1, t[0], t[1], M, N, K, -0.5, toDouble(a2), 0, toDouble(b2), 0, 1, exp, 0);
                check("accumulate " + g, exp, download(C), 2 * K, 1);
            }
        }
    }

    static void batchedStridesAndBroadcast(Backend be) {
        Random rnd = new Random(5);
        for (boolean[] t : TRANS) {
            // Few large items (parallel inside an item), shared weight A (stride 0), gaps between items.
            int M = 131, N = 67, K = 127;
            GemmShape g = GemmShape.batched(3, t[0], t[1], M, N, K).withStrides(0, (long) K * N + 7, (long) M * N + 3);
            float[] a = randn(rnd, M * K, 1), b = randn(rnd, (int) (2 * g.strideB() + K * N), 1);
            float[] c = randn(rnd, (int) (2 * g.strideC() + M * N), 1);   // gap values must survive untouched
            check(g.toString(), ref(g, 1.25f, a, b, 0.5f, c), run(be, g, 1.25f, a, b, 0.5f, c), K, 1.25);

            // Many small items (parallel over the batch), B broadcast.
            M = 40;
            N = 37;
            K = 48;
            g = GemmShape.batched(16, t[0], t[1], M, N, K).withStrides((long) M * K, 0, (long) M * N);
            a = randn(rnd, 16 * M * K, 1);
            b = randn(rnd, K * N, 1);
            float[] c0 = randn(rnd, 16 * M * N, 1);
            check(g.toString(), ref(g, 1f, a, b, 0f, c0), run(be, g, 1f, a, b, 0f, c0), K, 1);
        }
    }

    /** strideC 0: the items add into one C in order (gradients of a weight broadcast over the batch). */
    static void strideZeroOutputAccumulates(Backend be) {
        Random r = new Random(13);
        int batch = 5, M = 9, N = 11, K = 6;
        for (boolean[] t : TRANS) {
            GemmShape g = GemmShape.batched(batch, t[0], t[1], M, N, K).withStrides((long) M * K, (long) K * N, 0);
            float[] A = randn(r, batch * M * K, 1), B = randn(r, batch * K * N, 1), C = randn(r, M * N, 1);
            check(g.toString(), ref(g, 1f, A, B, 1f, C), run(be, g, 1f, A, B, 1f, C), batch * K, 1);
        }
    }

    /**
     * L = Σ r ⊙ (op(A) op(B)): dA and dB written as gemm calls (the autograd backward of gemm),
     * accumulated with beta 1 onto existing gradients, against central differences of the
     * float64 forward.
     */
    static void backwardIdentities(Backend be) {
        Random rnd = new Random(6);
        int M = 5, N = 7, K = 4;
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
                if (!tA) be.gemm(GemmShape.of(false, !tB, M, K, N), 1f, dC, B, 1f, dA);  // dA = dC op(B)^T
                else be.gemm(GemmShape.of(tB, true, K, M, N), 1f, B, dC, 1f, dA);        // dA^T = op(B) dC^T
                if (!tB) be.gemm(GemmShape.of(!tA, false, K, N, M), 1f, A, dC, 1f, dB);  // dB = op(A)^T dC
                else be.gemm(GemmShape.of(true, tA, N, K, M), 1f, dC, A, 1f, dB);        // dB^T = dC^T op(A)
                double[] expA = fdA.clone(), expB = fdB.clone();
                for (int i = 0; i < expA.length; i++) expA[i] += ga0[i];
                for (int i = 0; i < expB.length; i++) expB[i] += gb0[i];
                String w = "backward tA=" + tA + " tB=" + tB;
                assertClose(w + " dA", expA, download(dA), 1e-4, 1e-4);
                assertClose(w + " dB", expB, download(dB), 1e-4, 1e-4);
            }
        }
    }
}
