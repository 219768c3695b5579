package io.fedbiot.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Fused causal attention with grouped KV heads (legend B,T,H,G,D). q, out [B,Tq,H,D]; k, v
 * [B,Tk,G,D]; lse [B,H,Tq]. Query t sits at absolute position Tk-Tq+t and sees keys 0..that.
 *
 * <p>No T×T matrix is ever built: the forward streams key blocks through an online softmax
 * (running max and sum per query row), the backward recomputes probabilities from the saved lse
 * (FlashAttention-2). Scratch is O(QB·D + KB) per task.
 *
 * <p>The work split depends only on the shapes, never on the thread count, and each output
 * element is accumulated by one task in a fixed order: results are bitwise identical for any
 * number of threads.
 */
final class JvmAttention {
    private JvmAttention() {}

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /** Query rows per block: a key block is reused from cache by this many rows. */
    private static final int QB = 16;
    /** Keys per block (a multiple of the vector width): the transposed K/V tile and score scratch. */
    private static final int KB = Math.max(64, L);

    static void forward(Parallel par, MemorySegment out, MemorySegment lse, MemorySegment q, MemorySegment k,
                        MemorySegment v, int B, int Tq, int Tk, int H, int G, int D, float scale) {
        if (B == 0 || Tq == 0) return;
        final int nqb = (Tq + QB - 1) / QB;
        final int hpg = H / G;
        final int off = Tk - Tq;
        // One unit = (b, h, query block); units of a (b,h) are contiguous so chunks stay balanced-ish.
        par.forRange(B * H * nqb, 1, (lo, hi) -> {
            float[] qs = new float[QB * D];      // [QB,D] query rows of the block
            float[] acc = new float[QB * D];     // [QB,D] unnormalised output
            float[] m = new float[QB];           // running max of scaled scores
            float[] l = new float[QB];           // running sum of exp(score - m)
            float[] s = new float[KB];           // scores, then probabilities, of one key block
            float[] kt = new float[D * KB];      // [D,KB] key block transposed: scores without reductions
            for (int u = lo; u < hi; u++) {
                int qb = u % nqb, bh = u / nqb, h = bh % H, b = bh / H, g = h / hpg;
                int t0 = qb * QB, nq = Math.min(Tq, t0 + QB) - t0;
                for (int r = 0; r < nq; r++)
                    MemorySegment.copy(q, F, qOff(b, t0 + r, h, Tq, H, D), qs, r * D, D);
                Arrays.fill(acc, 0, nq * D, 0f);
                Arrays.fill(m, 0, nq, Float.NEGATIVE_INFINITY);
                Arrays.fill(l, 0, nq, 0f);
                int lastPos = off + t0 + nq - 1;
                for (int k0 = 0; k0 <= lastPos; k0 += KB) {
                    int nk = Math.min(KB, lastPos + 1 - k0);
                    transpose(kt, k, b, k0, nk, g, Tk, G, D);
                    for (int r = 0; r < nq; r++) {
                        int kEnd = Math.min(k0 + KB, off + t0 + r + 1);
                        int n = kEnd - k0;
                        if (n <= 0) continue;
                        scores(s, qs, r * D, kt, n, D, scale);
                        float bm = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < n; j++) bm = Math.max(bm, s[j]);
                        float mNew = Math.max(m[r], bm);
                        if (mNew > m[r] && m[r] != Float.NEGATIVE_INFINITY) {
                            // The max moved: rescale what was accumulated under the old max.
                            float alpha = VecMath.exp((float) (m[r] - mNew));
                            l[r] *= alpha;
                            scaleArr(acc, r * D, alpha, D);
                        }
                        m[r] = mNew;
                        l[r] += expShift(s, n, mNew);
                        for (int j = 0; j < n; j++)
                            axpyFromSeg(acc, r * D, s[j], v, kvOff(b, k0 + j, g, Tk, G, D), D);
                    }
                }
                for (int r = 0; r < nq; r++) {
                    float inv = 1f / l[r];
                    long o = qOff(b, t0 + r, h, Tq, H, D);
                    storeScaled(out, o, acc, r * D, inv, D);
                    lse.set(F, 4L * (((long) b * H + h) * Tq + t0 + r), m[r] + (float) StrictMath.log(l[r]));
                }
            }
        });
    }

    static void backward(Parallel par, MemorySegment dq, MemorySegment dk, MemorySegment dv, MemorySegment dOut,
                         MemorySegment out, MemorySegment lse, MemorySegment q, MemorySegment k, MemorySegment v,
                         int B, int Tq, int Tk, int H, int G, int D, float scale) {
        if (dq == null && dk == null && dv == null) return;
        if (B == 0 || Tq == 0) return;
        final int hpg = H / G;
        final int off = Tk - Tq;
        final boolean needDs = dq != null || dk != null;
        // One task owns one (b, g): all query heads sharing that KV head, so dk/dv rows never race.
        par.forRange(B * G, 1, (lo, hi) -> {
            int rows = hpg * QB;                 // rows of a block: (head in group, query in block)
            float[] qs = new float[rows * D];    // [hpg*QB, D] q
            float[] dos = new float[rows * D];   // [hpg*QB, D] dOut
            float[] dqa = new float[rows * D];   // [hpg*QB, D] dq accumulator
            float[] di = new float[rows];        // Di = rowsum(dOut ⊙ out)
            float[] ls = new float[rows];        // saved lse
            float[] p = new float[KB];           // probabilities of one key block
            float[] dp = new float[KB];          // dOut · v_j of one key block
            float[] kt = new float[D * KB];      // [D,KB] key block transposed
            float[] vt = new float[D * KB];      // [D,KB] value block transposed
            for (int u = lo; u < hi; u++) {
                int b = u / G, g = u % G;
                for (int t0 = 0; t0 < Tq; t0 += QB) {
                    int nq = Math.min(Tq, t0 + QB) - t0;
                    for (int hh = 0; hh < hpg; hh++) {
                        int h = g * hpg + hh;
                        for (int r = 0; r < nq; r++) {
                            int ri = hh * QB + r;
                            long o = qOff(b, t0 + r, h, Tq, H, D);
                            MemorySegment.copy(q, F, o, qs, ri * D, D);
                            MemorySegment.copy(dOut, F, o, dos, ri * D, D);
                            di[ri] = needDs ? dot(dos, ri * D, out, o, D) : 0f;
                            ls[ri] = lse.get(F, 4L * (((long) b * H + h) * Tq + t0 + r));
                        }
                    }
                    if (dq != null) Arrays.fill(dqa, 0f);
                    int lastPos = off + t0 + nq - 1;
                    for (int k0 = 0; k0 <= lastPos; k0 += KB) {
                        int nk = Math.min(KB, lastPos + 1 - k0);
                        transpose(kt, k, b, k0, nk, g, Tk, G, D);
                        if (needDs) transpose(vt, v, b, k0, nk, g, Tk, G, D);
                        for (int hh = 0; hh < hpg; hh++) {
                            for (int r = 0; r < nq; r++) {
                                int n = Math.min(k0 + KB, off + t0 + r + 1) - k0;
                                if (n <= 0) continue;
                                int ri = hh * QB + r, ro = ri * D;
                                scores(p, qs, ro, kt, n, D, scale);
                                expShift(p, n, ls[ri]);   // p_j = exp(scale q·k_j - lse)
                                if (needDs) scores(dp, dos, ro, vt, n, D, 1f);
                                for (int j = 0; j < n; j++) {
                                    long kvo = kvOff(b, k0 + j, g, Tk, G, D);
                                    float pj = p[j];
                                    if (dv != null) axpyToSeg(dv, kvo, pj, dos, ro, D);
                                    if (needDs) {
                                        float dsj = scale * pj * (dp[j] - di[ri]);
                                        if (dq != null) axpyFromSeg(dqa, ro, dsj, k, kvo, D);
                                        if (dk != null) axpyToSeg(dk, kvo, dsj, qs, ro, D);
                                    }
                                }
                            }
                        }
                    }
                    if (dq != null) {
                        for (int hh = 0; hh < hpg; hh++)
                            for (int r = 0; r < nq; r++)
                                axpyToSeg(dq, qOff(b, t0 + r, g * hpg + hh, Tq, H, D), 1f, dqa, (hh * QB + r) * D, D);
                    }
                }
            }
        });
    }

    /** Byte offset of row (b, t, h) of a [B,T,H,D] tensor. */
    private static long qOff(int b, int t, int h, int Tq, int H, int D) {
        return 4L * ((((long) b * Tq + t) * H + h) * D);
    }

    /** Byte offset of row (b, j, g) of a [B,Tk,G,D] tensor. */
    private static long kvOff(int b, int j, int g, int Tk, int G, int D) {
        return 4L * ((((long) b * Tk + j) * G + g) * D);
    }

    /** kt [D,KB] = rows k0..k0+nk of k (b, ·, g) transposed; columns past nk are left as they are. */
    private static void transpose(float[] kt, MemorySegment k, int b, int k0, int nk, int g, int Tk, int G, int D) {
        for (int j = 0; j < nk; j++) {
            long o = kvOff(b, k0 + j, g, Tk, G, D);
            for (int d = 0; d < D; d++) kt[d * KB + j] = k.get(F, o + 4L * d);
        }
    }

    /**
     * s[j] = scale * Σ_d a[ao+d] kt[d, j] for j < n (whole vectors: up to KB may be written).
     * Broadcasting a[d] against a row of the transposed tile gives L scores per FMA chain with no
     * horizontal reductions; chains are paired to hide FMA latency.
     */
    private static void scores(float[] s, float[] a, int ao, float[] kt, int n, int D, float scale) {
        int jv = 0;
        for (; jv + L < n; jv += 2 * L) {
            FloatVector s0 = FloatVector.zero(SP), s1 = FloatVector.zero(SP);
            for (int d = 0; d < D; d++) {
                FloatVector ad = FloatVector.broadcast(SP, a[ao + d]);
                s0 = FloatVector.fromArray(SP, kt, d * KB + jv).fma(ad, s0);
                s1 = FloatVector.fromArray(SP, kt, d * KB + jv + L).fma(ad, s1);
            }
            s0.mul(scale).intoArray(s, jv);
            s1.mul(scale).intoArray(s, jv + L);
        }
        if (jv < n) {
            FloatVector s0 = FloatVector.zero(SP);
            for (int d = 0; d < D; d++)
                s0 = FloatVector.fromArray(SP, kt, d * KB + jv).fma(FloatVector.broadcast(SP, a[ao + d]), s0);
            s0.mul(scale).intoArray(s, jv);
        }
    }

    /** Σ a[ao..ao+D) · seg[so..]. */
    private static float dot(float[] a, int ao, MemorySegment seg, long so, int D) {
        int i = 0, ub = SP.loopBound(D);
        float r = 0f;
        if (ub > 0) {
            FloatVector acc = FloatVector.zero(SP);
            for (; i < ub; i += L)
                acc = FloatVector.fromArray(SP, a, ao + i)
                        .fma(FloatVector.fromMemorySegment(SP, seg, so + 4L * i, LE), acc);
            r = VecMath.sum(acc);
        }
        for (; i < D; i++) r += a[ao + i] * seg.get(F, so + 4L * i);
        return r;
    }

    /** a[ao..ao+D) += alpha * seg[so..]. */
    private static void axpyFromSeg(float[] a, int ao, float alpha, MemorySegment seg, long so, int D) {
        int i = 0, ub = SP.loopBound(D);
        FloatVector av = FloatVector.broadcast(SP, alpha);
        for (; i < ub; i += L)
            FloatVector.fromMemorySegment(SP, seg, so + 4L * i, LE)
                    .fma(av, FloatVector.fromArray(SP, a, ao + i)).intoArray(a, ao + i);
        for (; i < D; i++) a[ao + i] += alpha * seg.get(F, so + 4L * i);
    }

    /** seg[so..] += alpha * x[xo..xo+D). */
    private static void axpyToSeg(MemorySegment seg, long so, float alpha, float[] x, int xo, int D) {
        int i = 0, ub = SP.loopBound(D);
        FloatVector av = FloatVector.broadcast(SP, alpha);
        for (; i < ub; i += L) {
            long o = so + 4L * i;
            FloatVector.fromArray(SP, x, xo + i).fma(av, FloatVector.fromMemorySegment(SP, seg, o, LE))
                    .intoMemorySegment(seg, o, LE);
        }
        for (; i < D; i++) {
            long o = so + 4L * i;
            seg.set(F, o, seg.get(F, o) + alpha * x[xo + i]);
        }
    }

    /** seg[so..] = a[ao..ao+D) * s. */
    private static void storeScaled(MemorySegment seg, long so, float[] a, int ao, float s, int D) {
        int i = 0, ub = SP.loopBound(D);
        for (; i < ub; i += L)
            FloatVector.fromArray(SP, a, ao + i).mul(s).intoMemorySegment(seg, so + 4L * i, LE);
        for (; i < D; i++) seg.set(F, so + 4L * i, a[ao + i] * s);
    }

    private static void scaleArr(float[] a, int ao, float s, int D) {
        int i = 0, ub = SP.loopBound(D);
        for (; i < ub; i += L) FloatVector.fromArray(SP, a, ao + i).mul(s).intoArray(a, ao + i);
        for (; i < D; i++) a[ao + i] *= s;
    }

    /** x[j] = exp(x[j] - shift) for j < n, returns Σ x[j] (probabilities of one key block). */
    private static float expShift(float[] x, int n, float shift) {
        int i = 0, ub = SP.loopBound(n);
        float sum = 0f;
        if (ub > 0) {
            FloatVector acc = FloatVector.zero(SP);
            for (; i < ub; i += L) {
                FloatVector e = VecMath.exp(FloatVector.fromArray(SP, x, i).sub(shift));
                e.intoArray(x, i);
                acc = acc.add(e);
            }
            sum = VecMath.sum(acc);
        }
        for (; i < n; i++) {
            float e = VecMath.exp((float) (x[i] - shift));
            x[i] = e;
            sum += e;
        }
        return sum;
    }
}
