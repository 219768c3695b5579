package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.AttentionCases;
import io.fedbiot.kernels.AttentionCases.Inputs;
import io.fedbiot.kernels.AttentionCases.Shape;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The Java backend's attention gives the same bits on any thread count (parity: AttentionCases). */
class AttentionKernelsTest {
    @Test
    void resultsDoNotDependOnThreadCount() {
        Shape s = new Shape(2, 40, 40, 6, 2, 12);
        Inputs in = Inputs.random(s, 21, 1);
        float[] r = randn(new Random(22), 2 * 40 * 6 * 12, 1);
        float[][] one, three;
        try (Arena arena = Arena.ofShared()) {
            one = AttentionCases.kernelGrads(new JavaBackend(1), in, r, arena);
            three = AttentionCases.kernelGrads(new JavaBackend(3), in, r, arena);
        }
        for (int i = 0; i < 3; i++) assertArrayEquals(one[i], three[i], "gradient " + i);
    }
}
