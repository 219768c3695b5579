package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.KernelMath;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element-wise kernels, reductions, SwiGLU, dropout and the optimizers over n float32 elements.
 * Work is cut into fixed chunks of {@link #CHUNK} elements (long offsets, so tensors past 2 GB
 * work); threads take runs of chunks, and reductions keep one double partial per chunk summed in
 * chunk order, so their result does not depend on the thread count.
 */
final class JvmElementwise {
    private JvmElementwise() {}

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    /** Same shape as FS: one float vector converts to two of these. */
    static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, FS.vectorShape());
    static final int L = FS.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    /** Elements per chunk; a multiple of every vector length. */
    static final int CHUNK = 1 << 13;
    /** A task gets at least 4 chunks (32K elements): below that, threading costs more than it saves. */
    static final int MIN_CHUNKS = 4;
    /** Minimum elements per task for the row/column-parallel kernels. */
    static final int MIN_TASK = CHUNK * MIN_CHUNKS;

    @FunctionalInterface
    interface LongRange {
        void run(long lo, long hi);
    }

    /** Runs body over [0, n) split into chunk-aligned ranges, threaded when n is large. */
    static void blocks(Parallel par, long n, LongRange body) {
        if (n <= 0) return;
        if (n <= 2L * MIN_TASK) {
            body.run(0, n);
            return;
        }
        int chunks = Math.toIntExact((n + CHUNK - 1) / CHUNK);
        par.forRange(chunks, MIN_CHUNKS, (lo, hi) -> body.run((long) lo * CHUNK, Math.min(n, (long) hi * CHUNK)));
    }

    static FloatVector load(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(FS, s, i * 4, LE);
    }

    static void store(FloatVector v, MemorySegment s, long i) {
        v.intoMemorySegment(s, i * 4, LE);
    }

    static float get(MemorySegment s, long i) {
        return s.get(F, i * 4);
    }

    static void put(MemorySegment s, long i, float v) {
        s.set(F, i * 4, v);
    }

    // ---- plain element-wise -------------------------------------------------------------

    static void fill(Parallel par, MemorySegment x, long n, float value) {
        blocks(par, n, (lo, hi) -> {
            FloatVector v = FloatVector.broadcast(FS, value);
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) store(v, x, i);
            for (; i < hi; i++) put(x, i, value);
        });
    }

    static void copy(Parallel par, MemorySegment dst, MemorySegment src, long n) {
        if (n <= 0) return;
        MemorySegment d = dst.asSlice(0, n * 4), s = src.asSlice(0, n * 4);
        // Overlapping (but not identical) ranges need one memmove-like copy, not racing chunks.
        if (!d.equals(s) && d.asOverlappingSlice(s).isPresent()) {
            MemorySegment.copy(s, 0, d, 0, n * 4);
            return;
        }
        blocks(par, n, (lo, hi) -> MemorySegment.copy(s, lo * 4, d, lo * 4, (hi - lo) * 4));
    }

    static void add(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, long n) {
        blocks(par, n, (lo, hi) -> {
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) store(load(a, i).add(load(b, i)), out, i);
            for (; i < hi; i++) put(out, i, get(a, i) + get(b, i));
        });
    }

    static void mul(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, long n) {
        blocks(par, n, (lo, hi) -> {
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) store(load(a, i).mul(load(b, i)), out, i);
            for (; i < hi; i++) put(out, i, get(a, i) * get(b, i));
        });
    }

    static void mulAcc(Parallel par, MemorySegment y, MemorySegment a, MemorySegment b, long n) {
        blocks(par, n, (lo, hi) -> {
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L)
                store(load(y, i).add(load(a, i).mul(load(b, i))), y, i);
            for (; i < hi; i++) put(y, i, get(y, i) + get(a, i) * get(b, i));
        });
    }

    static void scale(Parallel par, MemorySegment out, MemorySegment x, float s, long n) {
        blocks(par, n, (lo, hi) -> {
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) store(load(x, i).mul(s), out, i);
            for (; i < hi; i++) put(out, i, get(x, i) * s);
        });
    }

    static void axpy(Parallel par, MemorySegment y, float alpha, MemorySegment x, long n) {
        blocks(par, n, (lo, hi) -> axpyRange(y, 0, alpha, x, 0, lo, hi));
    }

    /** y[yOff + i] += alpha * x[xOff + i] for i in [lo, hi) (element offsets). */
    static void axpyRange(MemorySegment y, long yOff, float alpha, MemorySegment x, long xOff, long lo, long hi) {
        long i = lo;
        for (long up = lo + FS.loopBound(hi - lo); i < up; i += L)
            store(load(y, yOff + i).add(load(x, xOff + i).mul(alpha)), y, yOff + i);
        for (; i < hi; i++) put(y, yOff + i, get(y, yOff + i) + alpha * get(x, xOff + i));
    }

    static void addScalar(Parallel par, MemorySegment y, MemorySegment s, float factor, long n) {
        float c = factor * get(s, 0);
        blocks(par, n, (lo, hi) -> {
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) store(load(y, i).add(c), y, i);
            for (; i < hi; i++) put(y, i, get(y, i) + c);
        });
    }

    // ---- reductions ---------------------------------------------------------------------

    static void sum(Parallel par, MemorySegment out, MemorySegment x, long n) {
        put(out, 0, (float) reduce(par, x, n, false));
    }

    static void sumSquares(Parallel par, MemorySegment out, MemorySegment x, long n) {
        put(out, 0, (float) reduce(par, x, n, true));
    }

    /** One double partial per chunk, added in chunk order: same bits for any thread count. */
    private static double reduce(Parallel par, MemorySegment x, long n, boolean squares) {
        if (n <= 0) return 0;
        int chunks = Math.toIntExact((n + CHUNK - 1) / CHUNK);
        double[] part = new double[chunks];
        par.forRange(chunks, MIN_CHUNKS, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                long a = (long) c * CHUNK, b = Math.min(n, a + CHUNK);
                part[c] = squares ? sumSquaresRange(x, a, b) : sumRange(x, a, b);
            }
        });
        double s = 0;
        for (double p : part) s += p;
        return s;
    }

    /** Σ x[lo, hi) accumulated in double lanes, lanes added in a fixed order. */
    static double sumRange(MemorySegment x, long lo, long hi) {
        DoubleVector acc0 = DoubleVector.zero(DS), acc1 = DoubleVector.zero(DS);
        long i = lo;
        for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) {
            FloatVector v = load(x, i);
            acc0 = acc0.add(v.convertShape(VectorOperators.F2D, DS, 0));
            acc1 = acc1.add(v.convertShape(VectorOperators.F2D, DS, 1));
        }
        double s = lanesInOrder(acc0.add(acc1));
        for (; i < hi; i++) s += get(x, i);
        return s;
    }

    /** Σ x² over [lo, hi), squares and sums in double. */
    static double sumSquaresRange(MemorySegment x, long lo, long hi) {
        DoubleVector acc0 = DoubleVector.zero(DS), acc1 = DoubleVector.zero(DS);
        long i = lo;
        for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) {
            FloatVector v = load(x, i);
            DoubleVector d0 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector d1 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1);
            acc0 = acc0.add(d0.mul(d0));
            acc1 = acc1.add(d1.mul(d1));
        }
        double s = lanesInOrder(acc0.add(acc1));
        for (; i < hi; i++) {
            double v = get(x, i);
            s += v * v;
        }
        return s;
    }

    /** reduceLanes(ADD) leaves the order unspecified; this one is fixed, so results are reproducible. */
    static double lanesInOrder(DoubleVector v) {
        double s = 0;
        for (int k = 0; k < DS.length(); k++) s += v.lane(k);
        return s;
    }

    // ---- SwiGLU -------------------------------------------------------------------------

    static void swigluForward(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, long n) {
        blocks(par, n, (lo, hi) -> {
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) {
                FloatVector av = load(a, i);
                // a / (1 + e^-a): e^-a = inf for very negative a gives -0, not NaN.
                FloatVector silu = av.div(VecMath.exp(av.neg()).add(1f));
                store(silu.mul(load(b, i)), out, i);
            }
            for (; i < hi; i++) {
                float av = get(a, i);
                put(out, i, av / (1f + VecMath.exp((float) (-av))) * get(b, i));
            }
        });
    }

    /** da += dOut * b * σ(a)(1 + a(1 - σ(a))); db += dOut * silu(a). */
    static void swigluBackward(Parallel par, MemorySegment da, MemorySegment db, MemorySegment dOut,
                               MemorySegment a, MemorySegment b, long n) {
        if (da == null && db == null) return;
        boolean wantA = da != null, wantB = db != null;
        blocks(par, n, (lo, hi) -> {
            FloatVector one = FloatVector.broadcast(FS, 1f);
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) {
                FloatVector av = load(a, i), g = load(dOut, i);
                FloatVector sig = one.div(VecMath.exp(av.neg()).add(1f));
                if (wantA) {
                    FloatVector dsilu = sig.mul(av.mul(sig.neg().add(1f)).add(1f));
                    store(load(da, i).add(g.mul(load(b, i)).mul(dsilu)), da, i);
                }
                if (wantB) store(load(db, i).add(g.mul(av.mul(sig))), db, i);
            }
            for (; i < hi; i++) {
                float av = get(a, i), g = get(dOut, i);
                float sig = 1f / (1f + VecMath.exp((float) (-av)));
                if (wantA) put(da, i, get(da, i) + g * get(b, i) * (sig * (1f + av * (1f - sig))));
                if (wantB) put(db, i, get(db, i) + g * (av * sig));
            }
        });
    }

    // ---- dropout ------------------------------------------------------------------------

    /** mask[i] = 0 where dropoutUniform(seed, i) < p, else 1/(1-p); out = x * mask. */
    static void dropout(Parallel par, MemorySegment out, MemorySegment mask, MemorySegment x, long n, float p, long seed) {
        float keep = p < 1f ? 1f / (1f - p) : 0f;
        // The counter hash is scalar 64-bit work; it is cheap next to the memory traffic.
        blocks(par, n, (lo, hi) -> {
            for (long i = lo; i < hi; i++) {
                float m = KernelMath.dropoutUniform(seed, i) < p ? 0f : keep;
                put(mask, i, m);
                put(out, i, get(x, i) * m);
            }
        });
    }

    // ---- optimizers ---------------------------------------------------------------------

    static void adamw(Parallel par, MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v, long n,
                      float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        float decay = 1f - lr * weightDecay;
        float c1 = 1f - beta1, c2 = 1f - beta2;
        // lr / (1 - b1^t) and 1 / (1 - b2^t): bias corrections folded into two constants.
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float invBc2 = (float) (1.0 / (1.0 - Math.pow(beta2, step)));
        blocks(par, n, (lo, hi) -> {
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) {
                FloatVector gv = load(g, i);
                FloatVector mv = load(m, i).mul(beta1).add(gv.mul(c1));
                FloatVector vv = load(v, i).mul(beta2).add(gv.mul(gv).mul(c2));
                FloatVector den = vv.mul(invBc2).sqrt().add(eps);
                FloatVector pv = load(p, i).mul(decay).sub(mv.mul(stepSize).div(den));
                store(mv, m, i);
                store(vv, v, i);
                store(pv, p, i);
            }
            for (; i < hi; i++) {
                float gi = get(g, i);
                float mi = get(m, i) * beta1 + gi * c1;
                float vi = get(v, i) * beta2 + gi * gi * c2;
                float den = (float) Math.sqrt(vi * invBc2) + eps;
                put(m, i, mi);
                put(v, i, vi);
                put(p, i, get(p, i) * decay - mi * stepSize / den);
            }
        });
    }

    static void sgd(Parallel par, MemorySegment p, MemorySegment g, MemorySegment buf, long n,
                    float lr, float momentum, float weightDecay) {
        boolean mom = momentum != 0f;
        blocks(par, n, (lo, hi) -> {
            long i = lo;
            for (long up = lo + FS.loopBound(hi - lo); i < up; i += L) {
                FloatVector pv = load(p, i);
                FloatVector gv = load(g, i).add(pv.mul(weightDecay));
                if (mom) {
                    gv = load(buf, i).mul(momentum).add(gv);
                    store(gv, buf, i);
                }
                store(pv.sub(gv.mul(lr)), p, i);
            }
            for (; i < hi; i++) {
                float pi = get(p, i);
                float gi = get(g, i) + weightDecay * pi;
                if (mom) {
                    gi = momentum * get(buf, i) + gi;
                    put(buf, i, gi);
                }
                put(p, i, pi - lr * gi);
            }
        });
    }
}
