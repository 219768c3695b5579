package io.fedbiot.kernels.jvm;

import java.lang.foreign.MemorySegment;

/** STUB: replaced by the element-wise implementation. */
final class JvmElementwise {
    private JvmElementwise() {}
    static void fill(Parallel par, MemorySegment x, long n, float value) { throw new UnsupportedOperationException("stub"); }
    static void copy(Parallel par, MemorySegment dst, MemorySegment src, long n) { throw new UnsupportedOperationException("stub"); }
    static void add(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, long n) { throw new UnsupportedOperationException("stub"); }
    static void mul(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, long n) { throw new UnsupportedOperationException("stub"); }
    static void mulAcc(Parallel par, MemorySegment y, MemorySegment a, MemorySegment b, long n) { throw new UnsupportedOperationException("stub"); }
    static void scale(Parallel par, MemorySegment out, MemorySegment x, float s, long n) { throw new UnsupportedOperationException("stub"); }
    static void axpy(Parallel par, MemorySegment y, float alpha, MemorySegment x, long n) { throw new UnsupportedOperationException("stub"); }
    static void addScalar(Parallel par, MemorySegment y, MemorySegment s, float factor, long n) { throw new UnsupportedOperationException("stub"); }
    static void sum(Parallel par, MemorySegment out, MemorySegment x, long n) { throw new UnsupportedOperationException("stub"); }
    static void sumSquares(Parallel par, MemorySegment out, MemorySegment x, long n) { throw new UnsupportedOperationException("stub"); }
    static void swigluForward(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, long n) { throw new UnsupportedOperationException("stub"); }
    static void swigluBackward(Parallel par, MemorySegment da, MemorySegment db, MemorySegment dOut, MemorySegment a, MemorySegment b, long n) { throw new UnsupportedOperationException("stub"); }
    static void dropout(Parallel par, MemorySegment out, MemorySegment mask, MemorySegment x, long n, float p, long seed) { throw new UnsupportedOperationException("stub"); }
    static void adamw(Parallel par, MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v, long n, float lr, float beta1, float beta2, float eps, float weightDecay, int step) { throw new UnsupportedOperationException("stub"); }
    static void sgd(Parallel par, MemorySegment p, MemorySegment g, MemorySegment buf, long n, float lr, float momentum, float weightDecay) { throw new UnsupportedOperationException("stub"); }
}
