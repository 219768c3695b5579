package io.fedbiot.kernels.ref;

/**
 * Float64 references for the masked losses (legend N rows, V vocabulary, C channels). mask [N]
 * is a row weight, null = every row 1; with Σ mask = 0 every loss is 0.
 */
public final class RefLosses {
    private RefLosses() {}

    /** Σ_n m_n (lse_n - logits[n, t_n]) / Σ m; targets are read only where m_n != 0. */
    public static double crossEntropy(double[] logits, int[] targets, double[] mask, int N, int V) {
        double s = 0, sm = 0;
        for (int n = 0; n < N; n++) {
            double m = w(mask, n);
            sm += m;
            if (m == 0) continue;
            s += m * (logSumExp(logits, n * V, V) - logits[n * V + targets[n]]);
        }
        return sm == 0 ? 0 : s / sm;
    }

    /** lse [N] of each row of x [N,V]. */
    public static double[] rowLse(double[] x, int N, int V) {
        double[] l = new double[N];
        for (int n = 0; n < N; n++) l[n] = logSumExp(x, n * V, V);
        return l;
    }

    /** Σ_n m_n KL(softmax(P_n) ‖ softmax(Q_n)) / Σ m. */
    public static double kl(double[] P, double[] Q, double[] mask, int N, int V) {
        double s = 0, sm = 0;
        for (int n = 0; n < N; n++) {
            double m = w(mask, n);
            sm += m;
            if (m == 0) continue;
            double lp = logSumExp(P, n * V, V), lq = logSumExp(Q, n * V, V), r = 0;
            for (int i = n * V; i < (n + 1) * V; i++) {
                double logp = P[i] - lp, logq = Q[i] - lq;
                r += Math.exp(logp) * (logp - logq);
            }
            s += m * r;
        }
        return sm == 0 ? 0 : s / sm;
    }

    /** Σ_n m_n Σ_c (b - a)² / Σ_n m_n Σ_c b². */
    public static double nmse(double[] a, double[] b, double[] mask, int N, int C) {
        double s = 0, q = 0, sm = 0;
        for (int n = 0; n < N; n++) {
            double m = w(mask, n);
            sm += m;
            if (m == 0) continue;
            for (int i = n * C; i < (n + 1) * C; i++) {
                s += m * (b[i] - a[i]) * (b[i] - a[i]);
                q += m * b[i] * b[i];
            }
        }
        return sm == 0 ? 0 : s / q;
    }

    private static double w(double[] mask, int n) {
        return mask == null ? 1 : mask[n];
    }

    private static double logSumExp(double[] x, int off, int V) {
        double mx = Double.NEGATIVE_INFINITY, s = 0;
        for (int i = off; i < off + V; i++) mx = Math.max(mx, x[i]);
        for (int i = off; i < off + V; i++) s += Math.exp(x[i] - mx);
        return mx + Math.log(s);
    }
}
