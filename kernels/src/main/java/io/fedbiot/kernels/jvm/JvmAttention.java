package io.fedbiot.kernels.jvm;

import java.lang.foreign.MemorySegment;

/** STUB: replaced by the attention implementation. */
final class JvmAttention {
    private JvmAttention() {}
    static void forward(Parallel par, MemorySegment out, MemorySegment lse, MemorySegment q, MemorySegment k, MemorySegment v, int B, int Tq, int Tk, int H, int G, int D, float scale) { throw new UnsupportedOperationException("stub"); }
    static void backward(Parallel par, MemorySegment dq, MemorySegment dk, MemorySegment dv, MemorySegment dOut, MemorySegment out, MemorySegment lse, MemorySegment q, MemorySegment k, MemorySegment v, int B, int Tq, int Tk, int H, int G, int D, float scale) { throw new UnsupportedOperationException("stub"); }
}
