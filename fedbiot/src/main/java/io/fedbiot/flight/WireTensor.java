package io.fedbiot.flight;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** One named float32 tensor as it crosses the wire (row-major values, shape as in the engine). */
public record WireTensor(String name, int[] shape, float[] values) {
    public WireTensor {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != values.length)
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + values.length);
    }

    /** SHA-256 of the little-endian float32 bytes (tests compare what was sent with the model's layers). */
    public static String sha256(float[] values) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[values.length * 4];
            java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
            return java.util.HexFormat.of().formatHex(md.digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
