package io.fedbiot.data;

import io.fedbiot.engine.Rng;

/** Gamma and Dirichlet draws from the seeded {@link Rng}. */
final class Gamma {
    private Gamma() {}

    /**
     * log of a Gamma(shape, 1) draw. Marsaglia–Tsang for shape ≥ 1; for shape < 1 the boost
     * Gamma(shape+1)·U^(1/shape), kept in logs because U^(1/shape) underflows for small shapes.
     */
    static double logSample(double shape, Rng rng) {
        if (shape < 1) {
            double u = 1 - rng.nextDouble(); // (0, 1]
            return logSample(shape + 1, rng) + Math.log(u) / shape;
        }
        double d = shape - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = rng.nextGaussian(), v = 1 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            double u = rng.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
        }
    }

    /** Dirichlet(alpha, …, alpha) over k parts; sums to 1. */
    static double[] dirichlet(double alpha, int k, Rng rng) {
        double[] log = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) max = Math.max(max, log[i] = logSample(alpha, rng));
        double sum = 0;
        for (int i = 0; i < k; i++) sum += log[i] = Math.exp(log[i] - max);
        for (int i = 0; i < k; i++) log[i] /= sum;
        return log;
    }
}
