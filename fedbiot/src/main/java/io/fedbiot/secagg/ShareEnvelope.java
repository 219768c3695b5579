package io.fedbiot.secagg;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * One client's two shares for another (of its mask key s_SK and of its self-mask seed b), sealed
 * with ChaCha20-Poly1305 under the pair's encryption key so the relaying server cannot read them.
 * The round and both ids are authenticated data: an envelope moved to another pair or round fails.
 * Layout: 12-byte random nonce, ciphertext of the two shares, 16-byte tag.
 */
public final class ShareEnvelope {
    public static final int BYTES = 12 + 2 * Shamir.SHARE_BYTES + 16;

    /** The opened shares. */
    public record Shares(Shamir.Share keyShare, Shamir.Share seedShare) {}

    private ShareEnvelope() {}

    public static byte[] seal(byte[] key, int round, int from, int to, Shares s, SecureRandom rnd) {
        byte[] nonce = new byte[12];
        rnd.nextBytes(nonce);
        byte[] plain = ByteBuffer.allocate(2 * Shamir.SHARE_BYTES).put(s.keyShare().toBytes()).put(s.seedShare().toBytes()).array();
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, key, nonce, round, from, to);
            return ByteBuffer.allocate(BYTES).put(nonce).put(c.doFinal(plain)).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 unavailable in this JDK", e);
        }
    }

    /** Opens an envelope from {@code from} to {@code to}; a wrong size, key, pair or round is an IllegalArgumentException. */
    public static Shares open(byte[] key, int round, int from, int to, byte[] sealed) {
        if (sealed.length != BYTES) throw new IllegalArgumentException("a share envelope is " + BYTES + " bytes, got " + sealed.length);
        byte[] plain;
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, key, Arrays.copyOf(sealed, 12), round, from, to);
            plain = c.doFinal(sealed, 12, sealed.length - 12);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("the share envelope from client " + from + " does not authenticate (tampered, or for another pair or round)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 unavailable in this JDK", e);
        }
        return new Shares(Shamir.Share.fromBytes(Arrays.copyOfRange(plain, 0, Shamir.SHARE_BYTES)),
                Shamir.Share.fromBytes(Arrays.copyOfRange(plain, Shamir.SHARE_BYTES, plain.length)));
    }

    private static Cipher cipher(int mode, byte[] key, byte[] nonce, int round, int from, int to) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
        c.init(mode, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
        c.updateAAD(ByteBuffer.allocate(12).putInt(round).putInt(from).putInt(to).array());
        return c;
    }
}
