package io.fedbiot.secagg;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class FixedPointTest {
    @Test
    void aRingSumOfEncodedValuesDecodesToTheRealSumWithinTheStatedError() {
        for (int f : new int[]{8, 16, 24, 40}) {
            int n = 7;
            FixedPoint fp = new FixedPoint(f, n);
            Random r = new Random(f);
            double[] exact = new double[50];
            long[] sum = new long[50];
            for (int k = 0; k < n; k++)
                for (int j = 0; j < 50; j++) {
                    double v = (r.nextDouble() * 2 - 1) * Math.min(fp.maxAbs(), 1e4);
                    exact[j] += v;
                    sum[j] += fp.encode(j, v);
                }
            for (int j = 0; j < 50; j++)
                // the stated bound, plus the float64 reference's own rounding (a few ulps: it matters at f = 40)
                assertEquals(exact[j], fp.decode(sum[j]), n * Math.scalb(0.5, -f) + 2 * n * Math.ulp(Math.abs(exact[j]) + 1e4), "f=" + f + " j=" + j);
        }
    }

    @Test
    void nValuesAtTheBoundSumWithoutOverflowAndOneBeyondIsRefused() {
        FixedPoint fp = new FixedPoint(24, 64);
        assertEquals(Math.scalb(1.0, 63 - 24 - 6) - 1, fp.maxAbs());
        long plus = 0, minus = 0;
        for (int k = 0; k < 64; k++) {
            plus += fp.encode(0, fp.maxAbs());
            minus += fp.encode(0, -fp.maxAbs());
        }
        assertEquals(64 * fp.maxAbs(), fp.decode(plus), 1e-3, "no wrap at +bound");
        assertEquals(-64 * fp.maxAbs(), fp.decode(minus), 1e-3, "no wrap at -bound");
        var e = assertThrows(IllegalArgumentException.class, () -> fp.encode(3, fp.maxAbs() * 1.01));
        assertTrue(e.getMessage().contains("value 3") && e.getMessage().contains("bound"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fp.encodeWeighted(new float[]{0f, Float.NaN}, 2));
        assertThrows(IllegalArgumentException.class, () -> fp.encodeWeighted(new float[]{0f}, 0));
    }

    @Test
    void configsThatWouldOverflowAreRefused() {
        assertNull(FixedPoint.problem(40, 64), "40 bits over 64 clients leaves 17 integer bits");
        String p = FixedPoint.problem(40, 1024);
        assertNotNull(p);
        assertTrue(p.contains("13 integer bits"), p);
        assertNotNull(FixedPoint.problem(7, 4));
        assertNotNull(FixedPoint.problem(41, 4));
        assertThrows(IllegalArgumentException.class, () -> new FixedPoint(40, 1024));
    }

    @Test
    void weightedVectorsDecodeToTheWeightedMean() {
        FixedPoint fp = new FixedPoint(20, 3);
        float[][] x = {{1f, -2f}, {0.5f, 4f}, {-3f, 0.25f}};
        long[] w = {3, 10, 1};
        long[] sum = new long[3];
        for (int k = 0; k < 3; k++) {
            long[] e = fp.encodeWeighted(x[k], w[k]);
            for (int j = 0; j < 3; j++) sum[j] += e[j];
        }
        float[] mean = fp.decodeMean(sum);
        assertEquals((3 * 1 + 10 * 0.5 - 3) / 14.0, mean[0], fp.meanError() + 1e-7);
        assertEquals((3 * -2 + 10 * 4 + 0.25) / 14.0, mean[1], fp.meanError() + 1e-6);
        assertEquals(14, fp.totalWeight(sum));
    }
}
