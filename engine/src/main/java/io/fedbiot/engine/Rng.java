package io.fedbiot.engine;

import java.util.SplittableRandom;

/**
 * Deterministic seeded randomness: initialisation, dropout seeds, sampling. Streams are split
 * from the seed, so adding a consumer does not shift the numbers others see.
 */
public final class Rng {
    private final SplittableRandom random;

    public Rng(long seed) {
        this.random = new SplittableRandom(seed);
    }

    private Rng(SplittableRandom r) {
        this.random = r;
    }

    /** An independent child stream. */
    public Rng split() {
        return new Rng(random.split());
    }

    public long nextLong() {
        return random.nextLong();
    }

    public double nextDouble() {
        return random.nextDouble();
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    public double nextGaussian() {
        return random.nextGaussian();
    }

    /** Fills t with N(0, std²) values. */
    public void normal(Tensor t, double std) {
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * std);
        t.copyFrom(v);
    }

    /** Fills t with uniform values in [lo, hi). */
    public void uniform(Tensor t, double lo, double hi) {
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * random.nextDouble());
        t.copyFrom(v);
    }
}
