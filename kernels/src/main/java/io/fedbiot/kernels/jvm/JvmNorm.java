package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.RopeStyle;

import java.lang.foreign.MemorySegment;

/** STUB: replaced by the embedding / RMSNorm / RoPE implementation. */
final class JvmNorm {
    private JvmNorm() {}
    static void embeddingForward(Parallel par, MemorySegment out, MemorySegment table, MemorySegment ids, int N, int C, int V) { throw new UnsupportedOperationException("stub"); }
    static void embeddingBackward(Parallel par, MemorySegment dTable, MemorySegment dOut, MemorySegment ids, int N, int C) { throw new UnsupportedOperationException("stub"); }
    static void rmsnormForward(Parallel par, MemorySegment y, MemorySegment rstd, MemorySegment x, MemorySegment w, int N, int C, float eps) { throw new UnsupportedOperationException("stub"); }
    static void rmsnormBackward(Parallel par, MemorySegment dx, MemorySegment dw, MemorySegment dy, MemorySegment x, MemorySegment w, MemorySegment rstd, int N, int C) { throw new UnsupportedOperationException("stub"); }
    static void ropeForward(Parallel par, MemorySegment out, MemorySegment x, int B, int T, int H, int D, int pos0, float theta, RopeStyle style) { throw new UnsupportedOperationException("stub"); }
    static void ropeBackward(Parallel par, MemorySegment dx, MemorySegment dOut, int B, int T, int H, int D, int pos0, float theta, RopeStyle style) { throw new UnsupportedOperationException("stub"); }
}
