package io.fedbiot.kernels;

import io.fedbiot.kernels.ref.RefLosses;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Masked cross-entropy, KL and NMSE (legend N rows, V/C columns) against the float64
 * references; every backward against finite differences, junk targets in masked rows never read.
 */
final class LossCases {
    private LossCases() {}

    static List<ParityCase> all() {
        return List.of(
                new ParityCase("crossEntropyForward", "loss and lse on large shapes", be -> forwardCases().forEach(c -> crossEntropyForwardMatchesReference(be, c))),
                new ParityCase("crossEntropyForward", "an out-of-range target names its row and id", LossCases::crossEntropyRejectsOutOfRangeTargetsNamingRowAndId),
                new ParityCase("crossEntropyBackward", "gradient: finite differences, masks", be -> cases().forEach(c -> crossEntropyMatchesReferenceAndFiniteDifferences(be, c))),
                new ParityCase("crossEntropyBackward", "stable for logits of +-80", LossCases::crossEntropyIsStableForLargeLogits),
                new ParityCase("crossEntropyBackward", "all rows masked: zero loss, no gradient (CE, KL, NMSE)", LossCases::allRowsMaskedGivesZeroLossAndNoGradient),
                new ParityCase("klForward", "KL of a distribution with itself is zero", LossCases::klOfADistributionWithItselfIsZero),
                new ParityCase("klBackward", "gradient: finite differences, masks, null gradients", be -> cases().forEach(c -> klMatchesReferenceAndFiniteDifferences(be, c))),
                new ParityCase("nmseForward", "NMSE of the reference itself is zero", LossCases::nmseOfTheReferenceItselfIsZero),
                new ParityCase("nmseBackward", "gradient: finite differences, masks, null gradients", be -> cases().forEach(c -> nmseMatchesReferenceAndFiniteDifferences(be, c))));
    }

    private static final double RTOL = 1e-3, ATOL = 1e-4, H = 1e-6;

    enum MaskKind { NONE, ZEROS, WEIGHTS }

    record Case(int N, int V, MaskKind mask) {
        /** Row weights as the reference sees them; null for NONE. Row 1 (when present) is always masked out. */
        double[] weights(Random r) {
            if (mask == MaskKind.NONE) return null;
            double[] m = new double[N];
            for (int n = 0; n < N; n++) m[n] = mask == MaskKind.ZEROS ? (r.nextInt(3) == 0 ? 0 : 1) : r.nextDouble() * 2;
            if (N > 1) m[1] = 0;
            if (N > 2) m[2] = mask == MaskKind.ZEROS ? 1 : 0.5;
            return m;
        }
    }

    /** Odd widths exercise the scalar tails; 1029 and 4099 cross the in-row chunk boundary. */
    static List<Case> cases() {
        return List.of(new Case(1, 1, MaskKind.NONE), new Case(1, 5, MaskKind.NONE), new Case(7, 17, MaskKind.ZEROS),
                new Case(5, 70, MaskKind.WEIGHTS), new Case(3, 131, MaskKind.ZEROS), new Case(2, 1029, MaskKind.NONE));
    }

    static List<Case> forwardCases() {
        return List.of(new Case(33, 70, MaskKind.WEIGHTS), new Case(4, 4099, MaskKind.ZEROS), new Case(64, 33, MaskKind.NONE));
    }

    private static Buf maskBuf(Backend be, double[] m, Arena arena) {
        return m == null ? null : upload(be, m, arena);
    }

    private static boolean masked(double[] m, int n) {
        return m != null && m[n] == 0;
    }

    /** want = pre + g * fd, except rows with mask 0 must be exactly pre. */
    private static void checkGrad(String what, float[] pre, double[] fd, double g, float[] got, double[] m, int V) {
        double[] want = new double[pre.length];
        for (int i = 0; i < pre.length; i++) want[i] = pre[i] + g * fd[i];
        assertClose(what, want, got, RTOL, ATOL);
        for (int i = 0; i < pre.length; i++)
            if (masked(m, i / V)) assertEquals(pre[i], got[i], what + ": masked row " + (i / V) + " got a gradient");
    }

    private static int[] targets(Random r, int N, int V, double[] m) {
        int[] t = new int[N];
        for (int n = 0; n < N; n++) t[n] = masked(m, n) ? (n % 2 == 0 ? -7 : V + 3) : r.nextInt(V);   // junk where masked
        return t;
    }

    // ---- cross-entropy ----------------------------------------------------------------------

    private static void checkCrossEntropy(Backend be, Case c, float[] logits, long seed, boolean withBackward) {
        Random r = new Random(seed);
        int N = c.N, V = c.V;
        double[] m = c.weights(r), x = toDouble(logits);
        int[] t = targets(r, N, V, m);
        double g = 0.5 + r.nextDouble();
        float[] pre = randn(r, N * V, 1);
        {
            try (Arena arena = Arena.ofShared()) {
                String what = be.name() + " CE " + c;
                Buf loss = poisoned(be, 1, arena), lse = poisoned(be, N, arena), lg = upload(be, logits, arena);
                Buf tb = uploadInts(be, t, arena), mb = maskBuf(be, m, arena);
                be.crossEntropyForward(new Rows(N, V), loss, lse, lg, tb, mb);
                assertClose(what + " loss", RefLosses.crossEntropy(x, t, m, N, V), download(loss)[0], RTOL, ATOL);
                assertClose(what + " lse", RefLosses.rowLse(x, N, V), download(lse), RTOL, ATOL);
                if (!withBackward) return;
                Buf d = upload(be, pre, arena);
                be.crossEntropyBackward(new Rows(N, V), d, upload(be, new float[]{(float) g}, arena), lg, lse, tb, mb);
                double[] fd = finiteDiff(y -> RefLosses.crossEntropy(y, t, m, N, V), x, H);
                checkGrad(what + " dLogits", pre, fd, (float) g, download(d), m, V);
            }
        }
    }

    static void crossEntropyMatchesReferenceAndFiniteDifferences(Backend be, Case c) {
        checkCrossEntropy(be, c, randn(new Random(c.hashCode()), c.N * c.V, 2), c.hashCode(), true);
    }

    static void crossEntropyForwardMatchesReference(Backend be, Case c) {
        checkCrossEntropy(be, c, randn(new Random(c.hashCode()), c.N * c.V, 3), c.hashCode(), false);
    }

    static void crossEntropyIsStableForLargeLogits(Backend be) {
        Case c = new Case(4, 37, MaskKind.NONE);
        float[] x = uniform(new Random(1), c.N * c.V, -80, 80);
        for (int v = 0; v < c.V; v++) {
            x[v] = 80;                          // row 0: all at the top
            x[c.V + v] = v == 5 ? 80 : -80;     // row 1: one dominant logit
        }
        checkCrossEntropy(be, c, x, 2, true);
    }

    static void crossEntropyRejectsOutOfRangeTargetsNamingRowAndId(Backend be) {
        {
            try (Arena arena = Arena.ofShared()) {
                int N = 4, V = 5;
                Buf lg = upload(be, new float[N * V], arena);
                for (int bad : new int[]{V, -1, 1000}) {
                    Buf tb = uploadInts(be, new int[]{0, 4, bad, 1}, arena);
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> be.crossEntropyForward(new Rows(N, V), poisoned(be, 1, arena), poisoned(be, N, arena), lg, tb, null));
                    assertTrue(e.getMessage().contains("row 2") && e.getMessage().contains(Integer.toString(bad)), e.getMessage());
                    Buf d = upload(be, new float[N * V], arena);
                    assertThrows(IllegalArgumentException.class, () -> be.crossEntropyBackward(new Rows(N, V), d, upload(be, new float[]{1}, arena), lg, upload(be, new float[N], arena), tb, null));
                    // The same junk id in a masked row is never read.
                    be.crossEntropyForward(new Rows(N, V), poisoned(be, 1, arena), poisoned(be, N, arena), lg, tb, upload(be, new float[]{1, 1, 0, 1}, arena));
                }
            }
        }
    }

    // ---- KL ---------------------------------------------------------------------------------

    static void klMatchesReferenceAndFiniteDifferences(Backend be, Case c) {
        Random r = new Random(c.hashCode() + 3);
        int N = c.N, V = c.V;
        double[] m = c.weights(r);
        float[] P = randn(r, N * V, 2), Q = randn(r, N * V, 2);
        double[] p = toDouble(P), q = toDouble(Q);
        double g = 0.5 + r.nextDouble();
        float[] preP = randn(r, N * V, 1), preQ = randn(r, N * V, 1);
        double[] fdP = finiteDiff(y -> RefLosses.kl(y, q, m, N, V), p, H);
        double[] fdQ = finiteDiff(y -> RefLosses.kl(p, y, m, N, V), q, H);
        {
            try (Arena arena = Arena.ofShared()) {
                String what = be.name() + " KL " + c;
                Buf out = poisoned(be, 1, arena), Pb = upload(be, P, arena), Qb = upload(be, Q, arena), mb = maskBuf(be, m, arena);
                Buf gb = upload(be, new float[]{(float) g}, arena);
                be.klForward(new Rows(N, V), out, Pb, Qb, mb);
                assertClose(what + " loss", RefLosses.kl(p, q, m, N, V), download(out)[0], RTOL, ATOL);
                // both gradients, then each alone (the other null)
                for (int which = 0; which < 3; which++) {
                    Buf dP = which == 2 ? null : upload(be, preP, arena), dQ = which == 1 ? null : upload(be, preQ, arena);
                    be.klBackward(new Rows(N, V), dP, dQ, gb, Pb, Qb, mb);
                    if (dP != null) checkGrad(what + " dP", preP, fdP, (float) g, download(dP), m, V);
                    if (dQ != null) checkGrad(what + " dQ", preQ, fdQ, (float) g, download(dQ), m, V);
                }
                be.klBackward(new Rows(N, V), null, null, gb, Pb, Qb, mb);
            }
        }
    }

    static void klOfADistributionWithItselfIsZero(Backend be) {
        int N = 6, V = 300;
        float[] P = randn(new Random(8), N * V, 3);
        {
            try (Arena arena = Arena.ofShared()) {
                Buf out = poisoned(be, 1, arena), Pb = upload(be, P, arena);
                be.klForward(new Rows(N, V), out, Pb, Pb, null);
                assertEquals(0, download(out)[0], 1e-6);
                Buf dP = upload(be, new float[N * V], arena), dQ = upload(be, new float[N * V], arena);
                be.klBackward(new Rows(N, V), dP, dQ, upload(be, new float[]{1}, arena), Pb, Pb, null);
                assertClose("dP", new double[N * V], download(dP), 0, 1e-6);
                assertClose("dQ", new double[N * V], download(dQ), 0, 1e-6);
            }
        }
    }

    // ---- NMSE -------------------------------------------------------------------------------

    static void nmseMatchesReferenceAndFiniteDifferences(Backend be, Case c) {
        Random r = new Random(c.hashCode() + 5);
        int N = c.N, C = c.V;
        double[] m = c.weights(r);
        float[] A = randn(r, N * C, 1), Bf = randn(r, N * C, 1);
        double[] a = toDouble(A), b = toDouble(Bf);
        double g = 0.5 + r.nextDouble();
        float[] preA = randn(r, N * C, 1), preB = randn(r, N * C, 1);
        double[] fdA = finiteDiff(y -> RefLosses.nmse(y, b, m, N, C), a, H);
        double[] fdB = finiteDiff(y -> RefLosses.nmse(a, y, m, N, C), b, H);
        {
            try (Arena arena = Arena.ofShared()) {
                String what = be.name() + " NMSE " + c;
                Buf out = poisoned(be, 1, arena), Ab = upload(be, A, arena), Bb = upload(be, Bf, arena), mb = maskBuf(be, m, arena);
                Buf gb = upload(be, new float[]{(float) g}, arena);
                be.nmseForward(new Rows(N, C), out, Ab, Bb, mb);
                assertClose(what + " loss", RefLosses.nmse(a, b, m, N, C), download(out)[0], RTOL, ATOL);
                for (int which = 0; which < 3; which++) {
                    Buf dA = which == 2 ? null : upload(be, preA, arena), dB = which == 1 ? null : upload(be, preB, arena);
                    be.nmseBackward(new Rows(N, C), dA, dB, gb, Ab, Bb, mb);
                    if (dA != null) checkGrad(what + " dA", preA, fdA, (float) g, download(dA), m, C);
                    if (dB != null) checkGrad(what + " dB", preB, fdB, (float) g, download(dB), m, C);
                }
                be.nmseBackward(new Rows(N, C), null, null, gb, Ab, Bb, mb);
            }
        }
    }

    static void nmseOfTheReferenceItselfIsZero(Backend be) {
        int N = 5, C = 77;
        float[] b = randn(new Random(9), N * C, 1);
        {
            try (Arena arena = Arena.ofShared()) {
                Buf out = poisoned(be, 1, arena), bb = upload(be, b, arena);
                be.nmseForward(new Rows(N, C), out, bb, bb, null);
                assertEquals(0f, download(out)[0]);
                Buf dA = upload(be, new float[N * C], arena), dB = upload(be, new float[N * C], arena);
                be.nmseBackward(new Rows(N, C), dA, dB, upload(be, new float[]{1}, arena), bb, bb, null);
                assertClose("dA", new double[N * C], download(dA), 0, 0);
                assertClose("dB", new double[N * C], download(dB), 0, 0);
            }
        }
    }

    // ---- all rows masked --------------------------------------------------------------------

    static void allRowsMaskedGivesZeroLossAndNoGradient(Backend be) {
        int N = 3, V = 19;
        Random r = new Random(10);
        float[] x = randn(r, N * V, 2), y = randn(r, N * V, 2), pre = randn(r, N * V, 1);
        int[] junk = {-1, V, 99};
        {
            try (Arena arena = Arena.ofShared()) {
                Buf xb = upload(be, x, arena), yb = upload(be, y, arena), mb = upload(be, new float[N], arena);
                Buf g = upload(be, new float[]{1.5f}, arena), tb = uploadInts(be, junk, arena);
                Buf ce = poisoned(be, 1, arena), lse = poisoned(be, N, arena), kl = poisoned(be, 1, arena), nm = poisoned(be, 1, arena);
                be.crossEntropyForward(new Rows(N, V), ce, lse, xb, tb, mb);
                be.klForward(new Rows(N, V), kl, xb, yb, mb);
                be.nmseForward(new Rows(N, V), nm, xb, yb, mb);
                assertEquals(0f, download(ce)[0], "CE");
                assertEquals(0f, download(kl)[0], "KL");
                assertEquals(0f, download(nm)[0], "NMSE");
                Buf d1 = upload(be, pre, arena), d2 = upload(be, pre, arena);
                be.crossEntropyBackward(new Rows(N, V), d1, g, xb, lse, tb, mb);
                assertArrayEquals(pre, download(d1), "CE grad");
                be.klBackward(new Rows(N, V), d1, d2, g, xb, yb, mb);
                assertArrayEquals(pre, download(d1), "KL dP");
                assertArrayEquals(pre, download(d2), "KL dQ");
                be.nmseBackward(new Rows(N, V), d1, d2, g, xb, yb, mb);
                assertArrayEquals(pre, download(d1), "NMSE dA");
                assertArrayEquals(pre, download(d2), "NMSE dB");
            }
        }
    }

}
