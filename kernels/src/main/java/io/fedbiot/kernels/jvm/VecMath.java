package io.fedbiot.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Math whose bits do not depend on the JIT. {@code lanewise(EXP)} may differ by an ulp between
 * the intrinsic and the Java fallback, and a float {@code reduceLanes(ADD)} has no fixed order;
 * either would make a step's result depend on how warm the JVM is. Everything here is built
 * from exactly rounded IEEE operations (add, mul, fma, conversions), so the vector and scalar
 * versions agree bit for bit, warm or cold.
 */
final class VecMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;

    // exp(x) = 2^n · e^r, n = round(x·log2 e), r = x − n·ln2 in [−ln2/2, ln2/2], ln2 split in two
    // so n·LN2_HI is exact; e^r by its degree-7 Taylor polynomial (truncation ~5e-9, below rounding).
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f, LN2_LO = 1.428606765330187e-06f;
    private static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;
    /** Adding and subtracting 1.5·2^23 rounds a float to the nearest integer (|v| < 2^22). */
    private static final float ROUND = 12582912f;
    /** Below this e^x is under the smallest normal float: flush to 0 (as a softmax wants). */
    private static final float MIN_X = -87.33654f;
    private static final float MAX_X = 88.72283f;

    private VecMath() {}

    static FloatVector exp(FloatVector x) {
        var under = x.compare(VectorOperators.LT, MIN_X);
        var over = x.compare(VectorOperators.GT, MAX_X);
        var nan = x.compare(VectorOperators.NE, x);
        FloatVector xc = x.max(MIN_X).min(MAX_X);
        FloatVector n = xc.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(C7, C6).fma(r, FloatVector.broadcast(S, C5)).fma(r, FloatVector.broadcast(S, C4)).fma(r, FloatVector.broadcast(S, C3))
                .fma(r, FloatVector.broadcast(S, C2)).fma(r, FloatVector.broadcast(S, 1f)).fma(r, FloatVector.broadcast(S, 1f));
        // 2^n as 2^h · 2^(n−h), h = n >> 1: both factors stay normal over the whole clamped range.
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector h = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = h.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(h).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        y = y.blend(0f, under).blend(Float.POSITIVE_INFINITY, over);
        return y.blend(x, nan);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, the same bits. */
    static float exp(float x) {
        if (x != x) return x;
        if (x < MIN_X) return 0f;
        if (x > MAX_X) return Float.POSITIVE_INFINITY;
        float n = x * LOG2E + ROUND - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, C7, C6), r, C5), r, C4), r, C3), r, C2), r, 1f), r, 1f);
        int ni = (int) n, h = ni >> 1;
        return p * Float.intBitsToFloat((h + 127) << 23) * Float.intBitsToFloat((ni - h + 127) << 23);
    }

    /** Σ lanes in lane order. */
    static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < S.length(); i++) s += v.lane(i);
        return s;
    }

    static {
        if (SI.length() != S.length()) throw new AssertionError("int and float species differ in lanes");
    }
}
