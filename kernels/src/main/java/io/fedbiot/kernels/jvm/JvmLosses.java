package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.KernelChecks;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Masked scalar losses (legend N rows, V vocabulary, C channels): softmax cross-entropy, KL
 * between two softmaxes, normalised MSE. Row m_n weights come from the mask [N] (null = 1);
 * a row with m_n == 0 is skipped entirely (its targets are never read).
 *
 * <p>Fused: no probability matrix is stored, the backward recomputes softmax from logits (and the
 * saved lse for cross-entropy) and adds straight into the accumulating gradient. Row results go
 * to a double[N] scratch summed afterwards in row order, so the scalar does not depend on the
 * thread count.
 */
final class JvmLosses {
    private JvmLosses() {}

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    /** Elements summed in float lanes before the partial goes into a double. */
    private static final int CHUNK = 512;
    /** Smallest amount of elements worth a task. */
    private static final int MIN_WORK = 1 << 14;

    // ---- cross-entropy ----------------------------------------------------------------------

    static void crossEntropyForward(Parallel par, MemorySegment loss, MemorySegment lse, MemorySegment logits,
                                    MemorySegment targets, MemorySegment mask, int N, int V) {
        checkTargets(targets, mask, N, V);   // in the caller's thread: a clean exception, no partial work
        double[] rowLoss = new double[N];
        par.forRange(N, rowsPerTask(V), (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                long ro = 4L * n * V;
                float mx = rowMax(logits, ro, V);
                double l = mx + StrictMath.log(sumExp(logits, ro, V, mx));   // lse of every row, counted or not
                lse.set(F, 4L * n, (float) l);
                float m = weight(mask, n);
                if (m != 0f) rowLoss[n] = m * (l - logits.get(F, ro + 4L * targets.get(I, 4L * n)));
            }
        });
        double sm = maskSum(mask, N), s = 0;
        for (int n = 0; n < N; n++) s += rowLoss[n];
        loss.set(F, 0, sm == 0 ? 0f : (float) (s / sm));
    }

    static void crossEntropyBackward(Parallel par, MemorySegment dLogits, MemorySegment dLoss, MemorySegment logits,
                                     MemorySegment lse, MemorySegment targets, MemorySegment mask, int N, int V) {
        checkTargets(targets, mask, N, V);
        double sm = maskSum(mask, N);
        if (sm == 0) return;
        double g = dLoss.get(F, 0);
        par.forRange(N, rowsPerTask(V), (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                float m = weight(mask, n);
                if (m == 0f) continue;
                float c = (float) (g * m / sm);
                long ro = 4L * n * V;
                // dLogits += c * softmax, then the one-hot part on the target alone
                addScaledExp(dLogits, logits, ro, V, lse.get(F, 4L * n), c);
                long to = ro + 4L * targets.get(I, 4L * n);
                dLogits.set(F, to, dLogits.get(F, to) - c);
            }
        });
    }

    private static void checkTargets(MemorySegment targets, MemorySegment mask, int N, int V) {
        for (int n = 0; n < N; n++) {
            if (weight(mask, n) == 0f) continue;
            int t = targets.get(I, 4L * n);
            if (t < 0 || t >= V) throw KernelChecks.outOfRange("cross-entropy: target id", t, n, V);
        }
    }

    // ---- KL(softmax(P) || softmax(Q)) -------------------------------------------------------

    static void klForward(Parallel par, MemorySegment kl, MemorySegment P, MemorySegment Q, MemorySegment mask,
                          int N, int V) {
        double[] rowKl = new double[N];
        par.forRange(N, rowsPerTask(V), (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                float m = weight(mask, n);
                if (m == 0f) continue;
                long ro = 4L * n * V;
                float lp = lse(P, ro, V), lq = lse(Q, ro, V);
                rowKl[n] = m * klRow(P, Q, ro, V, lp, lq);
            }
        });
        double sm = maskSum(mask, N), s = 0;
        for (int n = 0; n < N; n++) s += rowKl[n];
        kl.set(F, 0, sm == 0 ? 0f : (float) (s / sm));
    }

    static void klBackward(Parallel par, MemorySegment dP, MemorySegment dQ, MemorySegment dKl, MemorySegment P,
                           MemorySegment Q, MemorySegment mask, int N, int V) {
        if (dP == null && dQ == null) return;
        double sm = maskSum(mask, N);
        if (sm == 0) return;
        double g = dKl.get(F, 0);
        par.forRange(N, rowsPerTask(V), (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                float m = weight(mask, n);
                if (m == 0f) continue;
                float c = (float) (g * m / sm);
                long ro = 4L * n * V;
                float lp = lse(P, ro, V), lq = lse(Q, ro, V);
                // log p - log q - KL_n = (P - Q) - shift
                float shift = dP == null ? 0f : (float) (lp - lq + klRow(P, Q, ro, V, lp, lq));
                int i = 0, ub = SP.loopBound(V);
                FloatVector cv = FloatVector.broadcast(SP, c);
                for (; i < ub; i += L) {
                    long o = ro + 4L * i;
                    FloatVector pv = FloatVector.fromMemorySegment(SP, P, o, LE);
                    FloatVector qv = FloatVector.fromMemorySegment(SP, Q, o, LE);
                    FloatVector pp = VecMath.exp(pv.sub(lp));
                    if (dP != null)
                        pp.mul(pv.sub(qv).sub(shift)).fma(cv, FloatVector.fromMemorySegment(SP, dP, o, LE))
                                .intoMemorySegment(dP, o, LE);
                    if (dQ != null)
                        VecMath.exp(qv.sub(lq)).sub(pp)
                                .fma(cv, FloatVector.fromMemorySegment(SP, dQ, o, LE)).intoMemorySegment(dQ, o, LE);
                }
                for (; i < V; i++) {
                    long o = ro + 4L * i;
                    float pv = P.get(F, o), qv = Q.get(F, o);
                    float pp = VecMath.exp((float) (pv - lp));
                    if (dP != null) dP.set(F, o, dP.get(F, o) + c * pp * (pv - qv - shift));
                    if (dQ != null) dQ.set(F, o, dQ.get(F, o) + c * (VecMath.exp((float) (qv - lq)) - pp));
                }
            }
        });
    }

    /** Σ_v p_v (log p_v - log q_v) = Σ p (P - Q) + lq - lp, p = exp(P - lp). */
    private static double klRow(MemorySegment P, MemorySegment Q, long ro, int V, float lp, float lq) {
        double s = 0;
        int i = 0, ub = SP.loopBound(V);
        while (i < ub) {
            int end = Math.min(ub, i + CHUNK);
            FloatVector acc = FloatVector.zero(SP);
            for (; i < end; i += L) {
                long o = ro + 4L * i;
                FloatVector pv = FloatVector.fromMemorySegment(SP, P, o, LE);
                FloatVector qv = FloatVector.fromMemorySegment(SP, Q, o, LE);
                acc = VecMath.exp(pv.sub(lp)).fma(pv.sub(qv), acc);
            }
            s += VecMath.sum(acc);
        }
        for (; i < V; i++) {
            long o = ro + 4L * i;
            float pv = P.get(F, o);
            s += VecMath.exp((float) (pv - lp)) * (pv - Q.get(F, o));
        }
        return s + ((double) lq - lp);
    }

    // ---- NMSE -------------------------------------------------------------------------------

    static void nmseForward(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, MemorySegment mask,
                            int N, int C) {
        double[] sq = nmseSums(par, a, b, mask, N, C);
        out.set(F, 0, maskSum(mask, N) == 0 ? 0f : (float) (sq[0] / sq[1]));
    }

    static void nmseBackward(Parallel par, MemorySegment dA, MemorySegment dB, MemorySegment dOut, MemorySegment a,
                             MemorySegment b, MemorySegment mask, int N, int C) {
        if (dA == null && dB == null) return;
        if (maskSum(mask, N) == 0) return;
        double[] sq = nmseSums(par, a, b, mask, N, C);
        double g = dOut.get(F, 0), S = sq[0], Q = sq[1];
        par.forRange(N, rowsPerTask(C), (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                float m = weight(mask, n);
                if (m == 0f) continue;
                float ca = (float) (2 * g * m / Q);          // dA += -ca (b-a); dB += ca (b-a) - cb b
                float cb = (float) (2 * g * m * S / (Q * Q));
                long ro = 4L * n * C;
                int i = 0, ub = SP.loopBound(C);
                FloatVector nca = FloatVector.broadcast(SP, -ca);
                for (; i < ub; i += L) {
                    long o = ro + 4L * i;
                    FloatVector bv = FloatVector.fromMemorySegment(SP, b, o, LE);
                    FloatVector d = bv.sub(FloatVector.fromMemorySegment(SP, a, o, LE));
                    if (dA != null)
                        d.fma(nca, FloatVector.fromMemorySegment(SP, dA, o, LE)).intoMemorySegment(dA, o, LE);
                    if (dB != null)
                        d.mul(ca).sub(bv.mul(cb)).add(FloatVector.fromMemorySegment(SP, dB, o, LE))
                                .intoMemorySegment(dB, o, LE);
                }
                for (; i < C; i++) {
                    long o = ro + 4L * i;
                    float bv = b.get(F, o), d = bv - a.get(F, o);
                    if (dA != null) dA.set(F, o, dA.get(F, o) - ca * d);
                    if (dB != null) dB.set(F, o, dB.get(F, o) + (ca * d - cb * bv));
                }
            }
        });
    }

    /** {S, Q} = {Σ_n m_n Σ_c (b-a)², Σ_n m_n Σ_c b²}. */
    private static double[] nmseSums(Parallel par, MemorySegment a, MemorySegment b, MemorySegment mask, int N, int C) {
        double[] rs = new double[N], rq = new double[N];
        par.forRange(N, rowsPerTask(C), (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                float m = weight(mask, n);
                if (m == 0f) continue;
                long ro = 4L * n * C;
                double s = 0, q = 0;
                int i = 0, ub = SP.loopBound(C);
                while (i < ub) {
                    int end = Math.min(ub, i + CHUNK);
                    FloatVector as = FloatVector.zero(SP), aq = FloatVector.zero(SP);
                    for (; i < end; i += L) {
                        long o = ro + 4L * i;
                        FloatVector bv = FloatVector.fromMemorySegment(SP, b, o, LE);
                        FloatVector d = bv.sub(FloatVector.fromMemorySegment(SP, a, o, LE));
                        as = d.fma(d, as);
                        aq = bv.fma(bv, aq);
                    }
                    s += VecMath.sum(as);
                    q += VecMath.sum(aq);
                }
                for (; i < C; i++) {
                    long o = ro + 4L * i;
                    double bv = b.get(F, o), d = bv - a.get(F, o);
                    s += d * d;
                    q += bv * bv;
                }
                rs[n] = m * s;
                rq[n] = m * q;
            }
        });
        double S = 0, Q = 0;
        for (int n = 0; n < N; n++) {
            S += rs[n];
            Q += rq[n];
        }
        return new double[]{S, Q};
    }

    // ---- shared row helpers -----------------------------------------------------------------

    private static int rowsPerTask(int width) {
        return Math.max(1, MIN_WORK / Math.max(1, width));
    }

    private static float weight(MemorySegment mask, int n) {
        return mask == null ? 1f : mask.get(F, 4L * n);
    }

    private static double maskSum(MemorySegment mask, int N) {
        if (mask == null) return N;
        double s = 0;
        for (int n = 0; n < N; n++) s += mask.get(F, 4L * n);
        return s;
    }

    private static float rowMax(MemorySegment x, long ro, int V) {
        int i = 0, ub = SP.loopBound(V);
        float mx = Float.NEGATIVE_INFINITY;
        if (ub > 0) {
            FloatVector acc = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
            for (; i < ub; i += L) acc = acc.max(FloatVector.fromMemorySegment(SP, x, ro + 4L * i, LE));
            mx = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < V; i++) mx = Math.max(mx, x.get(F, ro + 4L * i));
        return mx;
    }

    /** Σ exp(x - shift) over one row, float lanes per chunk, chunks summed in double. */
    private static double sumExp(MemorySegment x, long ro, int V, float shift) {
        double s = 0;
        int i = 0, ub = SP.loopBound(V);
        while (i < ub) {
            int end = Math.min(ub, i + CHUNK);
            FloatVector acc = FloatVector.zero(SP);
            for (; i < end; i += L)
                acc = acc.add(VecMath.exp(FloatVector.fromMemorySegment(SP, x, ro + 4L * i, LE).sub(shift)));
            s += VecMath.sum(acc);
        }
        for (; i < V; i++) s += VecMath.exp((float) (x.get(F, ro + 4L * i) - shift));
        return s;
    }

    private static float lse(MemorySegment x, long ro, int V) {
        float mx = rowMax(x, ro, V);
        return (float) (mx + StrictMath.log(sumExp(x, ro, V, mx)));
    }

    /** d[ro..] += c * exp(x[ro..] - shift) over one row. */
    private static void addScaledExp(MemorySegment d, MemorySegment x, long ro, int V, float shift, float c) {
        int i = 0, ub = SP.loopBound(V);
        FloatVector cv = FloatVector.broadcast(SP, c);
        for (; i < ub; i += L) {
            long o = ro + 4L * i;
            VecMath.exp(FloatVector.fromMemorySegment(SP, x, o, LE).sub(shift))
                    .fma(cv, FloatVector.fromMemorySegment(SP, d, o, LE)).intoMemorySegment(d, o, LE);
        }
        for (; i < V; i++) {
            long o = ro + 4L * i;
            d.set(F, o, d.get(F, o) + c * VecMath.exp((float) (x.get(F, o) - shift)));
        }
    }
}
