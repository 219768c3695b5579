package io.fedbiot.kernels.ref;

import io.fedbiot.kernels.RopeStyle;

/** Naive float64 references for embedding, RMSNorm and rotary embedding (angles in double). */
public final class RefNorm {
    private RefNorm() {}

    /** out [N,C] = table [V,C] rows ids [N]. */
    public static double[] embedding(double[] table, int[] ids, int C) {
        double[] out = new double[ids.length * C];
        for (int n = 0; n < ids.length; n++) System.arraycopy(table, ids[n] * C, out, n * C, C);
        return out;
    }

    /** dTable [V,C] with dTable[ids[n]] += dOut[n] (a fresh array). */
    public static double[] embeddingBackward(double[] dOut, int[] ids, int V, int C) {
        double[] d = new double[V * C];
        for (int n = 0; n < ids.length; n++)
            for (int c = 0; c < C; c++) d[ids[n] * C + c] += dOut[n * C + c];
        return d;
    }

    /** rstd [N] = 1/sqrt(mean(x²) + eps). */
    public static double[] rmsnormRstd(double[] x, int N, int C, double eps) {
        double[] r = new double[N];
        for (int n = 0; n < N; n++) {
            double ss = 0;
            for (int c = 0; c < C; c++) ss += x[n * C + c] * x[n * C + c];
            r[n] = 1 / Math.sqrt(ss / C + eps);
        }
        return r;
    }

    /** y [N,C] = x * rstd * w. */
    public static double[] rmsnorm(double[] x, double[] w, int N, int C, double eps) {
        double[] r = rmsnormRstd(x, N, C, eps);
        double[] y = new double[N * C];
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++) y[n * C + c] = x[n * C + c] * r[n] * w[c];
        return y;
    }

    /** Analytic gradients of rmsnorm given dy: {dx [N,C], dw [C]}. */
    public static double[][] rmsnormBackward(double[] dy, double[] x, double[] w, int N, int C, double eps) {
        double[] r = rmsnormRstd(x, N, C, eps);
        double[] dx = new double[N * C], dw = new double[C];
        for (int n = 0; n < N; n++) {
            double dot = 0;
            for (int c = 0; c < C; c++) dot += dy[n * C + c] * w[c] * x[n * C + c];
            double k = r[n] * r[n] * r[n] * dot / C;
            for (int c = 0; c < C; c++) {
                int i = n * C + c;
                dx[i] = r[n] * w[c] * dy[i] - k * x[i];
                dw[c] += dy[i] * x[i] * r[n];
            }
        }
        return new double[][]{dx, dw};
    }

    /**
     * x [B,T,H,D] rotated: for frequency index i the pair (i, i+D/2) (HALF_SPLIT) or (2i, 2i+1)
     * (INTERLEAVED) turns by (pos0 + t) * theta^(-2i/D), all in double.
     */
    public static double[] rope(double[] x, int B, int T, int H, int D, int pos0, double theta, RopeStyle style) {
        return rotate(x, B, T, H, D, pos0, theta, style, 1);
    }

    /** The backward of rope: rotation by the opposite angle (a fresh array). */
    public static double[] ropeBackward(double[] dOut, int B, int T, int H, int D, int pos0, double theta, RopeStyle style) {
        return rotate(dOut, B, T, H, D, pos0, theta, style, -1);
    }

    private static double[] rotate(double[] x, int B, int T, int H, int D, int pos0, double theta, RopeStyle style, int sign) {
        double[] out = new double[x.length];
        int half = D / 2;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                for (int h = 0; h < H; h++) {
                    int base = ((b * T + t) * H + h) * D;
                    for (int i = 0; i < half; i++) {
                        double angle = (pos0 + t) * Math.pow(theta, -2.0 * i / D);
                        double c = Math.cos(angle), s = sign * Math.sin(angle);
                        int ia = style == RopeStyle.INTERLEAVED ? base + 2 * i : base + i;
                        int ib = style == RopeStyle.INTERLEAVED ? ia + 1 : ia + half;
                        out[ia] = x[ia] * c - x[ib] * s;
                        out[ib] = x[ia] * s + x[ib] * c;
                    }
                }
        return out;
    }
}
