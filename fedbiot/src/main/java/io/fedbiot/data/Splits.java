package io.fedbiot.data;

import io.fedbiot.engine.Rng;

import java.util.Arrays;

/** Seeded train / held-out splits of row indices. */
public final class Splits {
    /** Both index arrays ascending; together they are 0..n-1, each once. */
    public record Split(int[] train, int[] heldOut) {}

    private Splits() {}

    /**
     * A seeded shuffle of 0..n-1 cut so that {@code round(n * trainFraction)} rows train and the
     * rest are held out (e.g. 0.8 for the Alpaca public data used in alignment).
     */
    public static Split split(int n, double trainFraction, long seed) {
        if (n < 0) throw new IllegalArgumentException("n must be >= 0, got " + n);
        if (!(trainFraction >= 0 && trainFraction <= 1)) throw new IllegalArgumentException("train fraction must be in [0, 1], got " + trainFraction);
        int[] perm = Shuffle.permutation(n, new Rng(seed));
        int cut = (int) Math.round(n * trainFraction);
        int[] train = Arrays.copyOfRange(perm, 0, cut);
        int[] held = Arrays.copyOfRange(perm, cut, n);
        Arrays.sort(train);
        Arrays.sort(held);
        return new Split(train, held);
    }
}
