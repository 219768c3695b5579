package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.KernelChecks;
import io.fedbiot.kernels.KernelMath;
import io.fedbiot.kernels.RopeStyle;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.MemorySegment;

import static io.fedbiot.kernels.jvm.JvmElementwise.DS;
import static io.fedbiot.kernels.jvm.JvmElementwise.F;
import static io.fedbiot.kernels.jvm.JvmElementwise.FS;
import static io.fedbiot.kernels.jvm.JvmElementwise.I32;
import static io.fedbiot.kernels.jvm.JvmElementwise.L;
import static io.fedbiot.kernels.jvm.JvmElementwise.LE;
import static io.fedbiot.kernels.jvm.JvmElementwise.MIN_TASK;
import static io.fedbiot.kernels.jvm.JvmElementwise.get;
import static io.fedbiot.kernels.jvm.JvmElementwise.lanesInOrder;
import static io.fedbiot.kernels.jvm.JvmElementwise.load;
import static io.fedbiot.kernels.jvm.JvmElementwise.put;
import static io.fedbiot.kernels.jvm.JvmElementwise.store;

/**
 * Embedding, RMSNorm and rotary embedding. Row kernels split rows over threads; the kernels that
 * sum over rows into one [C] or [V,C] target (embedding scatter-add, RMSNorm dw) split columns,
 * so no two threads touch the same element and every column is summed in row order.
 */
final class JvmNorm {
    private JvmNorm() {}

    /** Swaps lanes 2k and 2k+1: pairs (x_2i, x_2i+1) for interleaved RoPE. */
    private static final VectorShuffle<Float> PAIR_SWAP = VectorShuffle.fromOp(FS, k -> k ^ 1);

    /** Rows per task so that a task gets at least MIN_TASK elements. */
    private static int minRows(long rowElems) {
        return (int) Math.max(1, MIN_TASK / Math.max(1, rowElems));
    }

    // ---- embedding ----------------------------------------------------------------------

    /** Rejects an id outside [0, V) before anything is written. */
    private static void checkIds(MemorySegment ids, int N, long V) {
        for (int n = 0; n < N; n++) {
            int id = ids.get(I32, 4L * n);
            if (id < 0 || id >= V) throw KernelChecks.outOfRange("embedding: token id", id, n, V);
        }
    }

    /** out [N,C] = table [V,C] rows ids [N]. */
    static void embeddingForward(Parallel par, MemorySegment out, MemorySegment table, MemorySegment ids, int N, int C, int V) {
        checkIds(ids, N, V);
        long rowBytes = 4L * C;
        par.forRange(N, minRows(C), (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                int id = ids.get(I32, 4L * n);
                MemorySegment.copy(table, id * rowBytes, out, n * rowBytes, rowBytes);
            }
        });
    }

    /** dTable [V,C] [ids[n], :] += dOut [N,C] [n, :]; threads own column ranges, so repeated ids never race. */
    static void embeddingBackward(Parallel par, MemorySegment dTable, MemorySegment dOut, MemorySegment ids, int N, int C, int V) {
        if (N <= 0 || C <= 0) return;
        checkIds(ids, N, V);
        par.forRange(C, minRows(N), (c0, c1) -> {
            for (int n = 0; n < N; n++) {
                long id = ids.get(I32, 4L * n);
                JvmElementwise.axpyRange(dTable, id * C, 1f, dOut, (long) n * C, c0, c1);
            }
        });
    }

    // ---- RMSNorm ------------------------------------------------------------------------

    /** y [N,C] = x * rstd * w; rstd [N] = 1/sqrt(mean(x²) + eps), mean accumulated in double. */
    static void rmsnormForward(Parallel par, MemorySegment y, MemorySegment rstd, MemorySegment x, MemorySegment w,
                               int N, int C, float eps) {
        par.forRange(N, minRows(C), (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                long row = (long) n * C;
                double ms = JvmElementwise.sumSquaresRange(x, row, row + C) / C;
                float r = (float) (1.0 / Math.sqrt(ms + eps));
                put(rstd, n, r);
                int c = 0;
                for (int up = FS.loopBound(C); c < up; c += L)
                    store(load(x, row + c).mul(r).mul(load(w, c)), y, row + c);
                for (; c < C; c++) put(y, row + c, get(x, row + c) * r * get(w, c));
            }
        });
    }

    /**
     * dx [N,C] += r w dy - (r³/C) x Σ_c(dy w x), r = rstd[n]; dw [C] += Σ_n dy x r.
     * dx is row-parallel; dw is column-parallel with double accumulators, so it is race-free and
     * its bits do not depend on the thread count.
     */
    static void rmsnormBackward(Parallel par, MemorySegment dx, MemorySegment dw, MemorySegment dy, MemorySegment x,
                                MemorySegment w, MemorySegment rstd, int N, int C) {
        if (dx != null) {
            par.forRange(N, minRows(C), (lo, hi) -> {
                for (int n = lo; n < hi; n++) {
                    long row = (long) n * C;
                    float r = get(rstd, n);
                    double dot = dot3(dy, w, x, row, C);
                    float k = (float) ((double) r * r * r * dot / C);
                    int c = 0;
                    for (int up = FS.loopBound(C); c < up; c += L) {
                        FloatVector g = load(dy, row + c).mul(load(w, c)).mul(r).sub(load(x, row + c).mul(k));
                        store(load(dx, row + c).add(g), dx, row + c);
                    }
                    for (; c < C; c++)
                        put(dx, row + c, get(dx, row + c) + (get(dy, row + c) * get(w, c) * r - get(x, row + c) * k));
                }
            });
        }
        if (dw != null) {
            par.forRange(C, minRows(N), (c0, c1) -> {
                int len = c1 - c0;
                double[] acc = new double[len];
                for (int n = 0; n < N; n++) {
                    long row = (long) n * C;
                    float r = get(rstd, n);
                    int j = 0;
                    for (int up = FS.loopBound(len); j < up; j += L) {
                        FloatVector p = load(dy, row + c0 + j).mul(load(x, row + c0 + j)).mul(r);
                        int h = DS.length();
                        DoubleVector.fromArray(DS, acc, j).add(p.convertShape(VectorOperators.F2D, DS, 0)).intoArray(acc, j);
                        DoubleVector.fromArray(DS, acc, j + h).add(p.convertShape(VectorOperators.F2D, DS, 1)).intoArray(acc, j + h);
                    }
                    for (; j < len; j++) acc[j] += get(dy, row + c0 + j) * get(x, row + c0 + j) * r;
                }
                for (int j = 0; j < len; j++) put(dw, c0 + j, (float) (get(dw, c0 + j) + acc[j]));
            });
        }
    }

    /** Σ_c dy[row+c] w[c] x[row+c]: float products, double sum. */
    private static double dot3(MemorySegment dy, MemorySegment w, MemorySegment x, long row, int C) {
        DoubleVector acc0 = DoubleVector.zero(DS), acc1 = DoubleVector.zero(DS);
        int c = 0;
        for (int up = FS.loopBound(C); c < up; c += L) {
            FloatVector p = load(dy, row + c).mul(load(w, c)).mul(load(x, row + c));
            acc0 = acc0.add(p.convertShape(VectorOperators.F2D, DS, 0));
            acc1 = acc1.add(p.convertShape(VectorOperators.F2D, DS, 1));
        }
        double s = lanesInOrder(acc0.add(acc1));
        for (; c < C; c++) s += get(dy, row + c) * get(w, c) * get(x, row + c);
        return s;
    }

    // ---- rotary embedding ---------------------------------------------------------------

    static void ropeForward(Parallel par, MemorySegment out, MemorySegment x, int B, int T, int H, int D, int pos0,
                            float theta, RopeStyle style) {
        rope(par, out, x, B, T, H, D, pos0, theta, style, false);
    }

    static void ropeBackward(Parallel par, MemorySegment dx, MemorySegment dOut, int B, int T, int H, int D, int pos0,
                             float theta, RopeStyle style) {
        rope(par, dx, dOut, B, T, H, D, pos0, theta, style, true);
    }

    /**
     * dst [B,T,H,D] = rotate(src) (forward) or dst += rotate(src) by the opposite angle (backward).
     * Per (b,t) row: angle_i = float(pos0 + t) * freq_i in float32, cos/sin of that float.
     * Interleaved uses expanded tables: dst = src * cosE + pairSwap(src) * sinE, with
     * cosE[2i] = cosE[2i+1] = cos_i, sinE[2i] = -sin_i, sinE[2i+1] = sin_i.
     */
    private static void rope(Parallel par, MemorySegment dst, MemorySegment src, int B, int T, int H, int D, int pos0,
                             float theta, RopeStyle style, boolean backward) {
        int half = D / 2;
        float[] freq = new float[half];
        for (int i = 0; i < half; i++) freq[i] = KernelMath.ropeFreq(i, D, theta);
        boolean interleaved = style == RopeStyle.INTERLEAVED;
        long rowElems = (long) H * D;
        par.forRange(B * T, minRows(rowElems), (lo, hi) -> {
            float[] cos = new float[interleaved ? D : half], sin = new float[interleaved ? D : half];
            int tabT = Integer.MIN_VALUE;
            for (int bt = lo; bt < hi; bt++) {
                int t = bt % T;
                if (t != tabT) {
                    tabT = t;
                    float pos = (float) (pos0 + t);
                    for (int i = 0; i < half; i++) {
                        float angle = pos * freq[i];
                        float c = (float) Math.cos(angle), s = (float) Math.sin(angle);
                        if (backward) s = -s;
                        if (interleaved) {
                            cos[2 * i] = c;
                            cos[2 * i + 1] = c;
                            sin[2 * i] = -s;
                            sin[2 * i + 1] = s;
                        } else {
                            cos[i] = c;
                            sin[i] = s;
                        }
                    }
                }
                for (int h = 0; h < H; h++) {
                    long base = bt * rowElems + (long) h * D;
                    if (interleaved) ropeInterleaved(dst, src, base, D, cos, sin, backward);
                    else ropeHalf(dst, src, base, half, cos, sin, backward);
                }
            }
        });
    }

    private static void ropeInterleaved(MemorySegment dst, MemorySegment src, long base, int D,
                                        float[] cos, float[] sin, boolean acc) {
        int i = 0;
        // L is even, so a vector holds whole pairs and the tail starts at a pair boundary.
        for (int up = FS.loopBound(D); i < up; i += L) {
            FloatVector v = load(src, base + i);
            FloatVector r = v.mul(FloatVector.fromArray(FS, cos, i))
                    .add(v.rearrange(PAIR_SWAP).mul(FloatVector.fromArray(FS, sin, i)));
            if (acc) r = load(dst, base + i).add(r);
            store(r, dst, base + i);
        }
        for (; i < D; i += 2) {
            float a = get(src, base + i), b = get(src, base + i + 1);
            float ra = a * cos[i] + b * sin[i], rb = b * cos[i + 1] + a * sin[i + 1];
            if (acc) {
                ra += get(dst, base + i);
                rb += get(dst, base + i + 1);
            }
            put(dst, base + i, ra);
            put(dst, base + i + 1, rb);
        }
    }

    private static void ropeHalf(MemorySegment dst, MemorySegment src, long base, int half,
                                 float[] cos, float[] sin, boolean acc) {
        int i = 0;
        for (int up = FS.loopBound(half); i < up; i += L) {
            FloatVector a = load(src, base + i), b = load(src, base + half + i);
            FloatVector c = FloatVector.fromArray(FS, cos, i), s = FloatVector.fromArray(FS, sin, i);
            FloatVector ra = a.mul(c).sub(b.mul(s)), rb = a.mul(s).add(b.mul(c));
            if (acc) {
                ra = load(dst, base + i).add(ra);
                rb = load(dst, base + half + i).add(rb);
            }
            store(ra, dst, base + i);
            store(rb, dst, base + half + i);
        }
        for (; i < half; i++) {
            float a = get(src, base + i), b = get(src, base + half + i);
            float ra = a * cos[i] - b * sin[i], rb = a * sin[i] + b * cos[i];
            if (acc) {
                ra += get(dst, base + i);
                rb += get(dst, base + half + i);
            }
            put(dst, base + i, ra);
            put(dst, base + half + i, rb);
        }
    }
}
