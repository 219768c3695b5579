package io.fedbiot.kernels;

/** Scalar definitions every backend must reproduce bit for bit. */
public final class KernelMath {
    private KernelMath() {}

    /**
     * A uniform float in [0,1) from (seed, index): SplitMix64 of seed + (index+1)*golden, top 24
     * bits. Counter-based, so dropout masks do not depend on threads or on the backend.
     */
    public static float dropoutUniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 40) * 0x1.0p-24f;
    }

    /** RoPE frequency for index i of a head of size D: theta^(-2i/D), in float32 as llama2.c. */
    public static float ropeFreq(int i, int D, float theta) {
        return (float) (1.0 / Math.pow(theta, (2.0 * i) / D));
    }
}
