package io.fedbiot.secagg;

import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;

/**
 * Mask vectors over Z/2^64: a 32-byte seed expanded by the ChaCha20 keystream (JDK cipher, zero
 * nonce: every seed is used for one expansion only, being fresh per round or derived per round and
 * pair). Pairwise masks carry a sign by id order, so the masks of u and v cancel in a sum: the
 * lower id adds PRG(s_uv), the higher subtracts it.
 */
public final class Masks {
    public static final int SEED_BYTES = 32;
    private static final int CHUNK = 1 << 16; // keystream bytes per cipher call

    private Masks() {}

    /** PRG(seed) of {@code length} ring elements. */
    public static long[] expand(byte[] seed, int length) {
        long[] out = new long[length];
        add(out, seed, 1);
        return out;
    }

    /** into += sign · PRG(seed), element-wise mod 2^64. */
    public static void add(long[] into, byte[] seed, int sign) {
        if (seed.length != SEED_BYTES) throw new IllegalArgumentException("a mask seed is " + SEED_BYTES + " bytes, got " + seed.length);
        if (sign != 1 && sign != -1) throw new IllegalArgumentException("sign must be +1 or -1, got " + sign);
        try {
            Cipher c = Cipher.getInstance("ChaCha20");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "ChaCha20"), new ChaCha20ParameterSpec(new byte[12], 0));
            byte[] zeros = new byte[Math.min(CHUNK, Math.max(8, into.length * 8))];
            int j = 0;
            while (j < into.length) {
                int n = Math.min(zeros.length / 8, into.length - j);
                ByteBuffer ks = ByteBuffer.wrap(c.update(zeros, 0, n * 8)).order(ByteOrder.LITTLE_ENDIAN);
                if (sign > 0) for (int i = 0; i < n; i++) into[j + i] += ks.getLong();
                else for (int i = 0; i < n; i++) into[j + i] -= ks.getLong();
                j += n;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20 unavailable in this JDK", e);
        }
    }

    /** The sign client {@code self} gives its mask shared with {@code other}: +1 below, −1 above. */
    public static int pairSign(int self, int other) {
        if (self == other) throw new IllegalArgumentException("no pairwise mask of client " + self + " with itself");
        return self < other ? 1 : -1;
    }
}
