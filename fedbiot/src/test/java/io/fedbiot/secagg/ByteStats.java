package io.fedbiot.secagg;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** Chi-square statistics over byte values, and seeded randomness, for the secagg tests. */
final class ByteStats {
    /** The 0.999 quantile of chi-square with 255 degrees of freedom (Wilson–Hilferty): a uniform source stays below it. */
    static final double CHI2_255_999 = 330.5;

    private ByteStats() {}

    static long[] histogram(long[] values) {
        long[] h = new long[256];
        for (long v : values) for (int b = 0; b < 8; b++) h[(int) (v >>> (8 * b)) & 0xff]++;
        return h;
    }

    /** Goodness of fit to the uniform distribution over 256 values. */
    static double chi2Uniform(long[] h) {
        long n = 0;
        for (long c : h) n += c;
        double e = n / 256.0, s = 0;
        for (long c : h) s += (c - e) * (c - e) / e;
        return s;
    }

    /** Two-sample chi-square (2 × 256 table): both histograms from one distribution stays below CHI2_255_999. */
    static double chi2TwoSample(long[] a, long[] b) {
        long na = 0, nb = 0;
        for (int i = 0; i < 256; i++) {
            na += a[i];
            nb += b[i];
        }
        double s = 0;
        for (int i = 0; i < 256; i++) {
            double col = a[i] + b[i];
            if (col == 0) continue;
            double ea = col * na / (na + nb), eb = col * nb / (na + nb);
            s += (a[i] - ea) * (a[i] - ea) / ea + (b[i] - eb) * (b[i] - eb) / eb;
        }
        return s;
    }

    /** A deterministic SecureRandom (SHA1PRNG seeded before first use) so a test sees the same draws every run. */
    static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
