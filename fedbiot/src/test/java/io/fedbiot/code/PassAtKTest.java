package io.fedbiot.code;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PassAtKTest {
    /** Naive reference: 1 - C(n-c,k)/C(n,k) with exact big-integer binomials, divided in 40 digits. */
    private static double reference(int n, int c, int k) {
        BigInteger num = binomial(n - c, k), den = binomial(n, k);
        return 1.0 - new BigDecimal(num).divide(new BigDecimal(den), new MathContext(40)).doubleValue();
    }

    private static BigInteger binomial(int n, int k) {
        if (k < 0 || k > n) return BigInteger.ZERO;
        BigInteger r = BigInteger.ONE;
        for (int i = 1; i <= k; i++) r = r.multiply(BigInteger.valueOf(n - k + i)).divide(BigInteger.valueOf(i));
        return r;
    }

    @Test
    void matchesExactBinomialsOnAGridOfNCK() {
        for (int n = 1; n <= 60; n++)
            for (int c = 0; c <= n; c++)
                for (int k = 1; k <= n; k++)
                    assertEquals(reference(n, c, k), PassAtK.estimate(n, c, k), 1e-12, "n=" + n + " c=" + c + " k=" + k);
    }

    @Test
    void staysFiniteWhereBinomialsOverflowADouble() {
        // C(2000, 1000) is about 10^600: a double-valued binomial would be infinite (NaN ratio).
        for (int[] nck : new int[][]{{2000, 3, 1000}, {2000, 1, 1}, {1500, 700, 100}, {2000, 0, 1000}})
            assertEquals(reference(nck[0], nck[1], nck[2]), PassAtK.estimate(nck[0], nck[1], nck[2]), 1e-12);
    }

    @Test
    void passAt1IsTheFractionThatPasses() {
        assertEquals(3 / 7.0, PassAtK.estimate(7, 3, 1), 1e-15);
    }

    @Test
    void refusesKAboveN() {
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(3, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(3, 4, 1));
    }
}
