package io.fedbiot.kernels.jvm;

import java.lang.foreign.MemorySegment;

/** STUB: replaced by the losses implementation. */
final class JvmLosses {
    private JvmLosses() {}
    static void crossEntropyForward(Parallel par, MemorySegment loss, MemorySegment lse, MemorySegment logits, MemorySegment targets, MemorySegment mask, int N, int V) { throw new UnsupportedOperationException("stub"); }
    static void crossEntropyBackward(Parallel par, MemorySegment dLogits, MemorySegment dLoss, MemorySegment logits, MemorySegment lse, MemorySegment targets, MemorySegment mask, int N, int V) { throw new UnsupportedOperationException("stub"); }
    static void klForward(Parallel par, MemorySegment kl, MemorySegment P, MemorySegment Q, MemorySegment mask, int N, int V) { throw new UnsupportedOperationException("stub"); }
    static void klBackward(Parallel par, MemorySegment dP, MemorySegment dQ, MemorySegment dKl, MemorySegment P, MemorySegment Q, MemorySegment mask, int N, int V) { throw new UnsupportedOperationException("stub"); }
    static void nmseForward(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, MemorySegment mask, int N, int C) { throw new UnsupportedOperationException("stub"); }
    static void nmseBackward(Parallel par, MemorySegment dA, MemorySegment dB, MemorySegment dOut, MemorySegment a, MemorySegment b, MemorySegment mask, int N, int C) { throw new UnsupportedOperationException("stub"); }
}
