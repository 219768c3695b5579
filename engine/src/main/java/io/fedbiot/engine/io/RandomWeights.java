package io.fedbiot.engine.io;

import java.nio.charset.StandardCharsets;

/**
 * Counter-based random weights: element {@code i} of a tensor is a pure function of (seed, tensor
 * name, i), so any chunk can be produced on its own, in any order, and a checkpoint is reproducible
 * bit for bit. Each element hashes its counter with SplitMix64's finaliser and sums the four 16-bit
 * lanes (Irwin–Hall, n = 4), rescaled to mean 0 and the given standard deviation: close to normal,
 * bounded by ±3.46σ, and one hash per element (Box–Muller's log/cos per pair would dominate the
 * write of a 7B checkpoint).
 */
public final class RandomWeights {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final double LANE = 1.0 / 65536, SQRT3 = Math.sqrt(3);

    private RandomWeights() {}

    /** The stream key of tensor {@code name} under {@code seed} (FNV-1a of the name, mixed with the seed). */
    public static long key(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        return mix(seed * GOLDEN ^ mix(h));
    }

    /** Element {@code i} of the stream {@code key}: mean 0, standard deviation {@code std}. */
    public static float value(long key, long i, double std) {
        long x = mix(key + (i + 1) * GOLDEN);
        long lanes = (x & 0xFFFF) + ((x >>> 16) & 0xFFFF) + ((x >>> 32) & 0xFFFF) + (x >>> 48);
        // Each lane is uniform on [0, 65536); the sum of four has mean 2 and variance 1/3 in units of 65536.
        double s = (lanes + 2.0) * LANE - 2.0;
        return (float) (s * SQRT3 * std);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
