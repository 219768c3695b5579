package io.fedbiot.kernels.ref;

/**
 * Float64 reference for causal grouped-KV attention, written the naive way: materialise the
 * score matrix of one (b, h), plain max-subtracted softmax, multiply by v. Legend B,T,H,G,D;
 * q, out [B,Tq,H,D]; k, v [B,Tk,G,D]; query t sits at position Tk-Tq+t and sees keys 0..that.
 */
public final class RefAttention {
    private RefAttention() {}

    /** out [B,Tq,H,D] = softmax(scale q k^T, causal) v. */
    public static double[] attention(double[] q, double[] k, double[] v, int B, int Tq, int Tk, int H, int G,
                                     int D, double scale) {
        double[] out = new double[B * Tq * H * D];
        run(q, k, v, B, Tq, Tk, H, G, D, scale, out, null);
        return out;
    }

    /** lse [B,H,Tq]: the log-sum-exp of each query's scaled causal scores. */
    public static double[] lse(double[] q, double[] k, double[] v, int B, int Tq, int Tk, int H, int G, int D,
                               double scale) {
        double[] lse = new double[B * H * Tq];
        run(q, k, v, B, Tq, Tk, H, G, D, scale, new double[B * Tq * H * D], lse);
        return lse;
    }

    /**
     * The analytic backward, naive: {dq, dk, dv} of Σ dOut ⊙ attention(q, k, v) (fresh arrays).
     * Checked against finite differences itself; lets big shapes be tested without them.
     */
    public static double[][] backward(double[] dOut, double[] q, double[] k, double[] v, int B, int Tq, int Tk,
                                      int H, int G, int D, double scale) {
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        int hpg = H / G, off = Tk - Tq;
        double[][] p = new double[Tq][Tk];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                int g = h / hpg;
                probs(q, k, b, h, g, Tq, Tk, H, G, D, scale, p, null);
                for (int t = 0; t < Tq; t++) {
                    int qo = ((b * Tq + t) * H + h) * D;
                    int last = off + t;
                    double[] dp = new double[last + 1];
                    double di = 0;
                    for (int j = 0; j <= last; j++) {
                        int ko = ((b * Tk + j) * G + g) * D;
                        for (int d = 0; d < D; d++) dp[j] += dOut[qo + d] * v[ko + d];
                        di += p[t][j] * dp[j];
                    }
                    for (int j = 0; j <= last; j++) {
                        int ko = ((b * Tk + j) * G + g) * D;
                        double ds = p[t][j] * (dp[j] - di);   // softmax backward
                        for (int d = 0; d < D; d++) {
                            dv[ko + d] += p[t][j] * dOut[qo + d];
                            dq[qo + d] += scale * ds * k[ko + d];
                            dk[ko + d] += scale * ds * q[qo + d];
                        }
                    }
                }
            }
        return new double[][]{dq, dk, dv};
    }

    private static void run(double[] q, double[] k, double[] v, int B, int Tq, int Tk, int H, int G, int D,
                            double scale, double[] out, double[] lse) {
        if (H % G != 0 || Tk < Tq) throw new IllegalArgumentException("need H % G == 0 and Tk >= Tq");
        int hpg = H / G;
        double[][] p = new double[Tq][Tk];
        double[] l = new double[Tq];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                int g = h / hpg;
                probs(q, k, b, h, g, Tq, Tk, H, G, D, scale, p, l);
                for (int t = 0; t < Tq; t++) {
                    int qo = ((b * Tq + t) * H + h) * D;
                    for (int j = 0; j < Tk; j++) {
                        if (p[t][j] == 0) continue;
                        int vo = ((b * Tk + j) * G + g) * D;
                        for (int d = 0; d < D; d++) out[qo + d] += p[t][j] * v[vo + d];
                    }
                    if (lse != null) lse[(b * H + h) * Tq + t] = l[t];
                }
            }
    }

    /** p [Tq,Tk] = causal softmax of the scaled scores of (b, h); lse [Tq] when asked. */
    private static void probs(double[] q, double[] k, int b, int h, int g, int Tq, int Tk, int H, int G, int D,
                              double scale, double[][] p, double[] lse) {
        int off = Tk - Tq;
        for (int t = 0; t < Tq; t++) {
            int qo = ((b * Tq + t) * H + h) * D;
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < Tk; j++) {
                if (j > off + t) {
                    p[t][j] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                int ko = ((b * Tk + j) * G + g) * D;
                double s = 0;
                for (int d = 0; d < D; d++) s += q[qo + d] * k[ko + d];
                p[t][j] = scale * s;
                mx = Math.max(mx, p[t][j]);
            }
            double sum = 0;
            for (int j = 0; j < Tk; j++) sum += (p[t][j] = Math.exp(p[t][j] - mx));
            for (int j = 0; j < Tk; j++) p[t][j] /= sum;
            if (lse != null) lse[t] = mx + Math.log(sum);
        }
    }
}
