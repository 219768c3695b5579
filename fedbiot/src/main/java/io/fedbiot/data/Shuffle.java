package io.fedbiot.data;

import io.fedbiot.engine.Rng;

/** Seeded Fisher–Yates shuffles. */
final class Shuffle {
    private Shuffle() {}

    static void shuffle(int[] a, Rng rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** 0..n-1 in a seeded order. */
    static int[] permutation(int n, Rng rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        shuffle(a, rng);
        return a;
    }
}
