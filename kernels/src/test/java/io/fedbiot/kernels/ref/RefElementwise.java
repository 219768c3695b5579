package io.fedbiot.kernels.ref;

import io.fedbiot.kernels.KernelMath;

/**
 * Naive float64 references for the element-wise kernels, reductions, SwiGLU, dropout and the
 * optimizers. Forward functions return new arrays; the optimizers update their arrays in place.
 */
public final class RefElementwise {
    private RefElementwise() {}

    public static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) y[i] = a[i] + b[i];
        return y;
    }

    public static double[] mul(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) y[i] = a[i] * b[i];
        return y;
    }

    public static double[] scale(double[] x, double s) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = s * x[i];
        return y;
    }

    /** y + alpha * x (a new array). */
    public static double[] axpy(double[] y, double alpha, double[] x) {
        double[] r = new double[y.length];
        for (int i = 0; i < y.length; i++) r[i] = y[i] + alpha * x[i];
        return r;
    }

    public static double sum(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s;
    }

    public static double sumSquares(double[] x) {
        double s = 0;
        for (double v : x) s += v * v;
        return s;
    }

    public static double sigmoid(double a) {
        return 1.0 / (1.0 + Math.exp(-a));
    }

    public static double silu(double a) {
        return a * sigmoid(a);
    }

    /** silu(a) * b. */
    public static double[] swiglu(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) y[i] = silu(a[i]) * b[i];
        return y;
    }

    /** Analytic gradients of swiglu given dOut: {da, db}. */
    public static double[][] swigluBackward(double[] dOut, double[] a, double[] b) {
        double[] da = new double[a.length], db = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = sigmoid(a[i]);
            da[i] = dOut[i] * b[i] * s * (1 + a[i] * (1 - s));
            db[i] = dOut[i] * a[i] * s;
        }
        return new double[][]{da, db};
    }

    /** The dropout mask of the contract: 0 where dropoutUniform(seed, i) < p, else 1/(1-p). */
    public static double[] dropoutMask(int n, double p, long seed) {
        double[] m = new double[n];
        for (int i = 0; i < n; i++) m[i] = KernelMath.dropoutUniform(seed, i) < (float) p ? 0 : 1 / (1 - p);
        return m;
    }

    /**
     * One AdamW step t >= 1, in place: p -= lr wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
     * p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
     */
    public static void adamw(double[] p, double[] g, double[] m, double[] v, double lr, double b1, double b2,
                             double eps, double wd, int step) {
        double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
        for (int i = 0; i < p.length; i++) {
            p[i] -= lr * wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            p[i] -= lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + eps);
        }
    }

    /** One SGD step in place: g' = g + wd p; momentum > 0: buf = mu buf + g', p -= lr buf; else p -= lr g'. */
    public static void sgd(double[] p, double[] g, double[] buf, double lr, double momentum, double wd) {
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] + wd * p[i];
            if (momentum != 0) {
                buf[i] = momentum * buf[i] + gi;
                gi = buf[i];
            }
            p[i] -= lr * gi;
        }
    }
}
