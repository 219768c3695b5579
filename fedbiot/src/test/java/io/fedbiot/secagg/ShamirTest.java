package io.fedbiot.secagg;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ShamirTest {
    private static byte[] secret(SecureRandom r) {
        byte[] s = new byte[32];
        r.nextBytes(s);
        return s;
    }

    @Test
    void anyTSharesReconstructTheSecret() {
        SecureRandom r = ByteStats.seeded(1);
        for (int[] nt : new int[][]{{2, 2}, {3, 2}, {5, 3}, {8, 5}, {10, 10}}) {
            int n = nt[0], t = nt[1];
            byte[] s = secret(r);
            s[0] = (byte) 0xff; // a full top byte: the chunking must keep every bit
            int[] xs = new int[n];
            for (int i = 0; i < n; i++) xs[i] = 3 * i + 1;
            List<Shamir.Share> shares = new ArrayList<>(Arrays.asList(Shamir.split(s, t, xs, r)));
            for (int trial = 0; trial < 5; trial++) {
                Collections.shuffle(shares, new java.util.Random(trial));
                assertArrayEquals(s, Shamir.combine(shares.subList(0, t), t), "n=" + n + " t=" + t);
                List<Shamir.Share> viaBytes = shares.stream().map(sh -> Shamir.Share.fromBytes(sh.toBytes())).toList();
                assertArrayEquals(s, Shamir.combine(viaBytes, t));
            }
        }
    }

    @Test
    void fewerThanTSharesAreRefusedAndInterpolatingThemGivesAnotherValue() {
        SecureRandom r = ByteStats.seeded(2);
        byte[] s = secret(r);
        Shamir.Share[] sh = Shamir.split(s, 3, new int[]{1, 2, 3, 4}, r);
        var e = assertThrows(SecAggException.class, () -> Shamir.combine(List.of(sh[0], sh[1]), 3));
        assertTrue(e.getMessage().contains("only 2 shares, threshold 3"), e.getMessage());
        // Treating t − 1 shares as if they were enough interpolates a line, not the secret.
        byte[] wrong;
        try {
            wrong = Shamir.combine(List.of(sh[0], sh[1]), 2);
        } catch (SecAggException notOnePolynomial) {
            wrong = null; // a value too wide for a chunk: caught as inconsistent
        }
        assertFalse(Arrays.equals(s, wrong), "two of three shares do not give the secret");
    }

    @Test
    void oneShareLooksTheSameWhateverTheSecret() {
        // With t = 2 one share's first chunk is c0 + c1 with c1 uniform in GF(p): its bytes are uniform for any secret.
        SecureRandom r = ByteStats.seeded(3);
        long[] zeros = new long[4000], ones = new long[4000];
        byte[] a = new byte[32], b = new byte[32];
        Arrays.fill(b, (byte) 0x5a);
        for (int i = 0; i < zeros.length; i++) {
            zeros[i] = Shamir.split(a, 2, new int[]{1, 2}, r)[0].y()[0].longValue();  // low 64 bits
            ones[i] = Shamir.split(b, 2, new int[]{1, 2}, r)[0].y()[0].longValue();
        }
        long[] ha = ByteStats.histogram(zeros), hb = ByteStats.histogram(ones);
        assertTrue(ByteStats.chi2Uniform(ha) < ByteStats.CHI2_255_999, "uniform for secret 0: " + ByteStats.chi2Uniform(ha));
        assertTrue(ByteStats.chi2Uniform(hb) < ByteStats.CHI2_255_999, "uniform for secret 5a..: " + ByteStats.chi2Uniform(hb));
        assertTrue(ByteStats.chi2TwoSample(ha, hb) < ByteStats.CHI2_255_999, "indistinguishable");
    }

    @Test
    void badSharesAndParametersAreRefused() {
        SecureRandom r = ByteStats.seeded(4);
        byte[] s = secret(r);
        assertThrows(IllegalArgumentException.class, () -> Shamir.split(s, 1, new int[]{1, 2}, r), "t = 1 hands out the secret");
        assertThrows(IllegalArgumentException.class, () -> Shamir.split(s, 3, new int[]{1, 2}, r));
        assertThrows(IllegalArgumentException.class, () -> Shamir.split(s, 2, new int[]{1, 1}, r));
        assertThrows(IllegalArgumentException.class, () -> Shamir.split(new byte[31], 2, new int[]{1, 2}, r));
        Shamir.Share[] sh = Shamir.split(s, 2, new int[]{1, 2, 3}, r);
        assertThrows(IllegalArgumentException.class, () -> Shamir.combine(List.of(sh[0], sh[0]), 2), "same x twice");
        assertThrows(IllegalArgumentException.class, () -> Shamir.Share.fromBytes(new byte[Shamir.SHARE_BYTES - 1]));
        byte[] outOfField = sh[0].toBytes();
        Arrays.fill(outOfField, 4, 20, (byte) 0xff);
        assertThrows(IllegalArgumentException.class, () -> Shamir.Share.fromBytes(outOfField));
        assertEquals(BigInteger.TWO.pow(127).subtract(BigInteger.ONE), Shamir.P);
        assertTrue(Shamir.P.isProbablePrime(64));
    }
}
