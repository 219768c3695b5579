package io.fedbiot.engine.io;

import io.fedbiot.engine.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * One pass over a loaded checkpoint's frozen weights for NaN or infinity, so a damaged file is
 * refused at load, naming the tensor, instead of generating " ⁇ " later.
 */
final class FiniteWeights {
    private static final int EXPONENT = 0x7f800000;

    private FiniteWeights() {}

    /** Throws naming the first tensor (canonical and on-disk name) and element that is not finite. */
    static void check(Checkpoint c) throws CheckpointFormatException {
        for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
            long at = firstNonFinite(TensorData.hostBytes(e.getValue(), c.arena()));
            if (at < 0) continue;
            Tensor t = e.getValue();
            float v = Float.intBitsToFloat(TensorData.hostBytes(t, c.arena()).getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, at));
            TensorSource s = c.sources().get(e.getKey());
            String where = s == null ? "" : " (" + s.file() + ": '" + s.diskName() + "')";
            throw new CheckpointFormatException(String.format(Locale.ROOT,
                    "%s: tensor '%s'%s %s holds %s at element %d %s; the checkpoint is damaged", c.source(), e.getKey(), where,
                    Arrays.toString(t.shape()), v, at, index(t.shape(), at)));
        }
    }

    /** Index of the first float whose exponent bits are all set (NaN or ±Inf), or -1. */
    static long firstNonFinite(MemorySegment floats) {
        long n = floats.byteSize() / 4;
        final int block = 4096;
        for (long from = 0; from < n; from += block) {
            long to = Math.min(n, from + block);
            boolean bad = false;
            // A branch-free block test keeps the common (all finite) case a tight loop.
            for (long i = from; i < to; i++) bad |= (floats.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) & EXPONENT) == EXPONENT;
            if (bad)
                for (long i = from; i < to; i++)
                    if ((floats.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) & EXPONENT) == EXPONENT) return i;
        }
        return -1;
    }

    /** "[row, col]" of a flat index. */
    private static String index(int[] shape, long flat) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(idx);
    }
}
