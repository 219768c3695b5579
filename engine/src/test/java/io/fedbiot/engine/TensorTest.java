package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.math.BigDecimal;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {
    final Backend be = Backends.java();

    @Test
    void viewsAndRowSlicesShareMemory() {
        try (var s = StepScope.open()) {
            Tensor t = Tensor.of(be, new float[]{0, 1, 2, 3, 4, 5}, 3, 2);
            Tensor v = t.view(6);
            v.copyFrom(new float[]{10, 11, 12, 13, 14, 15});
            assertArrayEquals(new float[]{10, 11, 12, 13, 14, 15}, t.toFloatArray());
            Tensor rows = t.sliceRows(1, 3);
            assertArrayEquals(new int[]{2, 2}, rows.shape());
            assertArrayEquals(new float[]{12, 13, 14, 15}, rows.toFloatArray());
            rows.copyFrom(new float[]{0, 0, 0, 0});
            assertArrayEquals(new float[]{10, 11, 0, 0, 0, 0}, t.toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> t.view(4));
            assertThrows(IndexOutOfBoundsException.class, () -> t.sliceRows(2, 4));
        }
    }

    @Test
    void transfersCopy() {
        try (var s = StepScope.open()) {
            Tensor t = Tensor.of(be, new float[]{1, 2, 3}, 3);
            Tensor c = t.to(be, s.arena());
            t.copyFrom(new float[]{7, 7, 7});
            assertArrayEquals(new float[]{1, 2, 3}, c.toFloatArray());
        }
    }

    @Test
    void tensorsDieWithTheirStep() {
        Tensor escaped;
        try (var s = StepScope.open()) {
            escaped = Tensor.of(be, new float[]{1, 2}, 2);
            assertEquals(2f, escaped.toFloatArray()[1]);
        }
        assertThrows(IllegalStateException.class, escaped::toFloatArray);
    }

    @Test
    void wrongSizesNameTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(be, new float[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void bf16RoundTripsEveryValue() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float f = DType.bf16ToFloat((short) bits);
            if (Float.isNaN(f)) assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(f))));
            else assertEquals((short) bits, DType.floatToBf16(f), "bf16 bits " + bits);
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        Random r = new Random(9);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt()) ;
            if (!Float.isFinite(f) || Math.abs(f) > 3e38f) continue;
            short b = DType.floatToBf16(f);
            BigDecimal exact = new BigDecimal(f);
            BigDecimal got = new BigDecimal(DType.bf16ToFloat(b));
            // Neighbours one bf16 step away must not be closer.
            for (int d : new int[]{-1, 1}) {
                float nb = DType.bf16ToFloat((short) (b + d));
                if (!Float.isFinite(nb)) continue;
                int cmp = exact.subtract(got).abs().compareTo(exact.subtract(new BigDecimal(nb)).abs());
                assertTrue(cmp < 0 || (cmp == 0 && (b & 1) == 0), "bf16 of " + f);
            }
        }
    }

    @Test
    void bf16AndF16TensorsConvertToF32() {
        try (Arena a = Arena.ofShared(); var s = StepScope.open()) {
            float[] values = {1f, -2.5f, 0.1f, 65504f};
            Tensor bf = Tensor.zeros(be, DType.BF16, a, 2, 2);
            Tensor hf = Tensor.zeros(be, DType.F16, a, 2, 2);
            var bfSeg = a.allocate(8);
            var hfSeg = a.allocate(8);
            for (int i = 0; i < 4; i++) {
                bfSeg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, DType.floatToBf16(values[i]));
                hfSeg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, DType.floatToF16(values[i]));
            }
            be.fromHost(bfSeg, bf.buf());
            be.fromHost(hfSeg, hf.buf());
            float[] fromBf = bf.toF32(a).toFloatArray(), fromHf = hf.toF32(a).toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(values[i], fromBf[i], Math.abs(values[i]) / 128);
                assertEquals(values[i], fromHf[i], Math.abs(values[i]) / 1024);
            }
            assertThrows(IllegalArgumentException.class, () -> bf.requiresGrad(true));
        }
    }
}
