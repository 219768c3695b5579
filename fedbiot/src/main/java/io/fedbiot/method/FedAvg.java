package io.fedbiot.method;

import io.fedbiot.engine.model.LoraSet;

import java.util.List;

/** FedAvg per tensor weighted by sample counts: w = Σ_k (n_k / Σn) w_k (A and B averaged separately). */
public final class FedAvg {
    private FedAvg() {}

    public static void average(LoraSet into, List<LoraSet> updates, long[] samples) {
        if (updates.isEmpty()) throw new IllegalArgumentException("FedAvg needs at least one client update");
        long total = 0;
        for (long n : samples) {
            if (n <= 0) throw new IllegalArgumentException("a client update must count a positive number of samples, got " + n);
            total += n;
        }
        double[] w = new double[samples.length];
        for (int k = 0; k < w.length; k++) w[k] = (double) samples[k] / total;
        into.setWeightedSum(updates, w);
    }
}
