package io.fedbiot.engine.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RandomWeightsTest {
    @Test
    void momentsAreThoseOfTheRequestedNormal() {
        long key = RandomWeights.key(7, "model.layers.0.mlp.up_proj.weight");
        int n = 1 << 20;
        double sum = 0, sq = 0, fourth = 0, max = 0;
        for (int i = 0; i < n; i++) {
            double v = RandomWeights.value(key, i, 0.02);
            sum += v;
            sq += v * v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = sum / n, var = sq / n - mean * mean;
        for (int i = 0; i < n; i++) {
            double z = (RandomWeights.value(key, i, 0.02) - mean) / Math.sqrt(var);
            fourth += z * z * z * z;
        }
        // Standard error of the mean is 0.02/1024 ≈ 2e-5; of the std about 0.07 %.
        assertEquals(0, mean, 1e-4);
        assertEquals(0.02, Math.sqrt(var), 0.02 * 0.005);
        // Irwin–Hall n=4 has excess kurtosis -0.3 (a normal 0), and is bounded by sqrt(12) σ.
        assertEquals(3 - 0.3, fourth / n, 0.05);
        assertTrue(max <= Math.sqrt(12) * 0.02 * 1.0001, "max |v| " + max);
    }

    @Test
    void valuesDependOnSeedNameAndIndexOnly() {
        long a = RandomWeights.key(1, "x"), b = RandomWeights.key(2, "x"), c = RandomWeights.key(1, "y");
        assertEquals(a, RandomWeights.key(1, "x"));
        assertNotEquals(a, b);
        assertNotEquals(a, c);
        // Any index is reachable directly: the 10^12-th element needs no preceding ones.
        float far = RandomWeights.value(a, 1_000_000_000_000L, 1);
        assertEquals(far, RandomWeights.value(a, 1_000_000_000_000L, 1));
        // Streams of different keys are uncorrelated.
        int n = 200_000;
        double xy = 0, xx = 0, yy = 0, lag = 0;
        for (int i = 0; i < n; i++) {
            double x = RandomWeights.value(a, i, 1), y = RandomWeights.value(b, i, 1);
            xy += x * y;
            xx += x * x;
            yy += y * y;
            lag += x * RandomWeights.value(a, i + 1, 1);
        }
        assertEquals(0, xy / Math.sqrt(xx * yy), 0.01, "correlation across keys");
        assertEquals(0, lag / xx, 0.01, "correlation of neighbours");
    }
}
