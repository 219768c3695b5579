package io.fedbiot.engine.io;

import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.HostBuf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Bit-exact tensor comparisons on host memory. */
final class TensorAsserts {
    private TensorAsserts() {}

    static MemorySegment seg(Tensor t) {
        return HostBuf.of(t.buf());
    }

    static void assertBitIdentical(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        long mismatch = seg(expected).mismatch(seg(actual));
        if (mismatch != -1)
            fail(what + ": bytes differ at offset " + mismatch + " (" + expected + " vs " + actual + ")");
    }

    static String shape(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
