package io.fedbiot.secagg;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * t-of-n Shamir sharing of 32-byte secrets over GF(p), p = 2^127 − 1 (a Mersenne prime): the secret
 * is cut into 15-byte chunks (each < p), each chunk the constant term of its own random polynomial
 * of degree t − 1, evaluated at x = 1..n. Any t shares give the secret by Lagrange interpolation
 * at 0; t − 1 shares are consistent with every secret, so they say nothing about it.
 */
public final class Shamir {
    public static final BigInteger P = BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE);
    public static final int SECRET_BYTES = 32, CHUNK_BYTES = 15, CHUNKS = (SECRET_BYTES + CHUNK_BYTES - 1) / CHUNK_BYTES;
    /** x (4 bytes) and one 16-byte field element per chunk. */
    public static final int SHARE_BYTES = 4 + 16 * CHUNKS;

    /** One point per chunk polynomial, all at the same x ≥ 1. */
    public record Share(int x, BigInteger[] y) {
        public Share {
            if (x < 1) throw new IllegalArgumentException("a share's x must be >= 1, got " + x);
            if (y.length != CHUNKS) throw new IllegalArgumentException("a share has " + CHUNKS + " chunks, got " + y.length);
            for (BigInteger v : y)
                if (v.signum() < 0 || v.compareTo(P) >= 0) throw new IllegalArgumentException("a share value is outside GF(2^127-1)");
            y = y.clone();
        }

        public byte[] toBytes() {
            ByteBuffer b = ByteBuffer.allocate(SHARE_BYTES).putInt(x);
            for (BigInteger v : y) b.put(fixed16(v));
            return b.array();
        }

        /** Reads {@link #toBytes}; a wrong length or out-of-field value is an IllegalArgumentException. */
        public static Share fromBytes(byte[] bytes) {
            if (bytes.length != SHARE_BYTES) throw new IllegalArgumentException("a share is " + SHARE_BYTES + " bytes, got " + bytes.length);
            ByteBuffer b = ByteBuffer.wrap(bytes);
            int x = b.getInt();
            BigInteger[] y = new BigInteger[CHUNKS];
            for (int i = 0; i < CHUNKS; i++) {
                byte[] v = new byte[16];
                b.get(v);
                y[i] = new BigInteger(1, v);
            }
            return new Share(x, y);
        }
    }

    private Shamir() {}

    /** Shares of {@code secret} at x = xs[i], any {@code threshold} of which reconstruct it. */
    public static Share[] split(byte[] secret, int threshold, int[] xs, SecureRandom rnd) {
        if (secret.length != SECRET_BYTES) throw new IllegalArgumentException("a secret is " + SECRET_BYTES + " bytes, got " + secret.length);
        if (threshold < 2) throw new IllegalArgumentException("threshold must be >= 2 (1 would hand the secret to every holder), got " + threshold);
        if (threshold > xs.length) throw new IllegalArgumentException("threshold " + threshold + " is more than the " + xs.length + " holders");
        distinct(Arrays.stream(xs).boxed().toList());
        BigInteger[][] y = new BigInteger[xs.length][CHUNKS];
        for (int c = 0; c < CHUNKS; c++) {
            BigInteger[] coef = new BigInteger[threshold];
            int from = c * CHUNK_BYTES, to = Math.min(SECRET_BYTES, from + CHUNK_BYTES);
            coef[0] = new BigInteger(1, Arrays.copyOfRange(secret, from, to));
            for (int k = 1; k < threshold; k++) coef[k] = randomElement(rnd);
            for (int i = 0; i < xs.length; i++) {
                BigInteger x = BigInteger.valueOf(xs[i]), acc = BigInteger.ZERO;
                for (int k = threshold - 1; k >= 0; k--) acc = acc.multiply(x).add(coef[k]).mod(P); // Horner
                y[i][c] = acc;
            }
        }
        Share[] out = new Share[xs.length];
        for (int i = 0; i < xs.length; i++) out[i] = new Share(xs[i], y[i]);
        return out;
    }

    /** The secret from at least {@code threshold} shares with distinct x; fewer are refused. */
    public static byte[] combine(List<Share> shares, int threshold) {
        if (shares.size() < threshold)
            throw new SecAggException("only " + shares.size() + " shares, threshold " + threshold + ": the secret cannot be reconstructed");
        List<Share> use = shares.subList(0, threshold);
        distinct(use.stream().map(Share::x).toList());
        byte[] secret = new byte[SECRET_BYTES];
        for (int c = 0; c < CHUNKS; c++) {
            BigInteger s = BigInteger.ZERO;
            for (int i = 0; i < use.size(); i++) {
                BigInteger xi = BigInteger.valueOf(use.get(i).x()), num = BigInteger.ONE, den = BigInteger.ONE;
                for (int j = 0; j < use.size(); j++) {
                    if (j == i) continue;
                    BigInteger xj = BigInteger.valueOf(use.get(j).x());
                    num = num.multiply(xj).mod(P);                  // Lagrange basis at 0: Π x_j / (x_j − x_i)
                    den = den.multiply(xj.subtract(xi)).mod(P);
                }
                s = s.add(use.get(i).y()[c].multiply(num).multiply(den.modInverse(P))).mod(P);
            }
            int from = c * CHUNK_BYTES, len = Math.min(SECRET_BYTES, from + CHUNK_BYTES) - from;
            if (s.bitLength() > 8 * len) throw new SecAggException("the shares do not lie on one polynomial of degree " + (threshold - 1));
            byte[] v = s.toByteArray(); // big-endian, maybe a leading sign byte
            int copy = Math.min(len, v.length);
            System.arraycopy(v, v.length - copy, secret, from + len - copy, copy);
        }
        return secret;
    }

    private static void distinct(List<Integer> xs) {
        Set<Integer> seen = new HashSet<>();
        for (int x : xs) {
            if (x < 1) throw new IllegalArgumentException("share points must be >= 1, got " + x);
            if (!seen.add(x)) throw new IllegalArgumentException("two shares at x = " + x);
        }
    }

    private static BigInteger randomElement(SecureRandom rnd) {
        BigInteger r;
        do r = new BigInteger(127, rnd); while (r.compareTo(P) >= 0);
        return r;
    }

    private static byte[] fixed16(BigInteger v) {
        byte[] raw = v.toByteArray(), out = new byte[16];
        int copy = Math.min(16, raw.length);
        System.arraycopy(raw, raw.length - copy, out, 16 - copy, copy);
        return out;
    }
}
