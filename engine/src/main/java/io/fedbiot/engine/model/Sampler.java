package io.fedbiot.engine.model;

import io.fedbiot.engine.Rng;

/** Picks the next token from logits: greedy at temperature 0, else softmax(logits/T) with optional top-p. */
public final class Sampler {
    private final float temperature, topP;
    private final Rng rng;

    public Sampler(float temperature, float topP, long seed) {
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        this.temperature = temperature;
        this.topP = topP;
        this.rng = new Rng(seed);
    }

    public int sample(float[] logits) {
        if (temperature == 0f) return argmax(logits);
        int V = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[V];
        double sum = 0;
        for (int i = 0; i < V; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
        for (int i = 0; i < V; i++) p[i] /= sum;
        double u = rng.nextDouble();
        if (topP >= 1f) return draw(p, null, V, u);
        // Nucleus: the smallest set of most likely tokens whose mass reaches top-p.
        Integer[] order = new Integer[V];
        for (int i = 0; i < V; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double mass = 0;
        int n = 0;
        while (n < V && mass < topP) mass += p[order[n++]];
        return draw(p, order, n, u * mass);
    }

    private static int draw(double[] p, Integer[] order, int n, double u) {
        double c = 0;
        for (int i = 0; i < n; i++) {
            int id = order == null ? i : order[i];
            c += p[id];
            if (u < c) return id;
        }
        return order == null ? n - 1 : order[n - 1];
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
