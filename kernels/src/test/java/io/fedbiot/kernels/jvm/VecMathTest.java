package io.fedbiot.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class VecMathTest {
    static final int L = FloatVector.SPECIES_PREFERRED.length();

    static float[] vexp(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i + L <= x.length; i += L)
            VecMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(out, i);
        return out;
    }

    @Test
    void vectorAndScalarExpAgreeBitForBitAndWithin2Ulp() {
        Random r = new Random(1);
        float[] x = new float[L * 20000];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 190 - 95);
        float[] v = vexp(x);
        for (int i = 0; i < x.length; i++) {
            float s = VecMath.exp(x[i]);
            assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(v[i]), "exp(" + x[i] + ") vector vs scalar");
            if (x[i] > -87 && x[i] < 88.7) {
                double exact = StrictMath.exp(x[i]);
                assertTrue(Math.abs(s - exact) <= 2 * Math.ulp((float) exact), "exp(" + x[i] + ") = " + s + ", exact " + exact);
            }
        }
    }

    @Test
    void edgeCases() {
        float[] x = new float[L];
        float[] cases = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -1000f, 1000f,
                88.72f, -87.3f, -88f, 1e-8f, -1e-8f, 0.34657f, -0.34658f};
        for (int i = 0; i < L; i++) x[i] = cases[i % cases.length];
        float[] v = vexp(x);
        for (int i = 0; i < L; i++) assertEquals(Float.floatToRawIntBits(VecMath.exp(x[i])), Float.floatToRawIntBits(v[i]), "lane " + x[i]);
        assertEquals(1f, VecMath.exp(0f));
        assertEquals(0f, VecMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, VecMath.exp(-1000f));
        assertEquals(Float.POSITIVE_INFINITY, VecMath.exp(1000f));
        assertTrue(Float.isNaN(VecMath.exp(Float.NaN)));
        assertTrue(Float.isFinite(VecMath.exp(88.72f)));
    }

    @Test
    void laneSumIsInLaneOrder() {
        float[] x = new float[L];
        x[0] = 1e8f;
        for (int i = 1; i < L; i++) x[i] = 1f;
        float expected = 0f;
        for (float f : x) expected += f;
        assertEquals(expected, VecMath.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)));
    }
}
