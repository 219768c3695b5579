package io.fedbiot.secagg;

import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;

/**
 * X25519 key pairs and the keys two clients derive from them: the shared secret through
 * HKDF-SHA256 (RFC 5869, extract then one expand block) with the purpose, round and the ordered
 * pair of ids as context, so a mask seed is never an encryption key and no two rounds or pairs
 * share one. JDK providers only; no library is needed for X25519, HMAC, ChaCha20.
 */
public final class PairKeys {
    /** X.509 encoding of an X25519 public key. */
    public static final int PUBLIC_BYTES = 44;
    private static final byte[] SALT = "fedbiot-secagg-v1".getBytes(StandardCharsets.US_ASCII);

    /** What a derived key is for (domain separation). */
    public enum Purpose { MASK, ENCRYPT }

    private PairKeys() {}

    public static KeyPair generate(SecureRandom rnd) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
            g.initialize(NamedParameterSpec.X25519, rnd);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 unavailable in this JDK", e);
        }
    }

    /** A public key from its X.509 bytes; malformed bytes are an IllegalArgumentException. */
    public static PublicKey decodePublic(byte[] bytes) {
        if (bytes == null || bytes.length != PUBLIC_BYTES)
            throw new IllegalArgumentException("an X25519 public key is " + PUBLIC_BYTES + " bytes, got " + (bytes == null ? "none" : bytes.length));
        try {
            return KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(bytes));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not an X25519 public key: " + e.getMessage());
        }
    }

    /** The 32-byte private scalar (what is Shamir-shared so the server can remove a dropped client's masks). */
    public static byte[] scalar(PrivateKey key) {
        return ((XECPrivateKey) key).getScalar().orElseThrow(() -> new IllegalStateException("the private key hides its scalar"));
    }

    public static PrivateKey fromScalar(byte[] scalar) {
        try {
            return KeyFactory.getInstance("X25519").generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an X25519 private scalar: " + e.getMessage());
        }
    }

    /** HKDF(X25519(mine, theirs)) for {@code purpose} in {@code round} between clients a and b (either order). */
    public static byte[] derive(PrivateKey mine, PublicKey theirs, Purpose purpose, int round, int a, int b) {
        byte[] shared;
        try {
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(mine);
            ka.doPhase(theirs, true);
            shared = ka.generateSecret(); // the JDK refuses an all-zero result (a small-order public key)
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("key agreement failed: " + e.getMessage());
        }
        byte[] info = ByteBuffer.allocate(1 + 12).put((byte) purpose.ordinal()).putInt(round)
                .putInt(Math.min(a, b)).putInt(Math.max(a, b)).array();
        byte[] prk = hmac(SALT, shared);
        byte[] block = new byte[info.length + 1];
        System.arraycopy(info, 0, block, 0, info.length);
        block[info.length] = 1;
        return hmac(prk, block); // 32 bytes: one expand block is the whole output
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable in this JDK", e);
        }
    }
}
