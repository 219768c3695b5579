package io.fedbiot.benchmarks;

import io.fedbiot.secagg.SecureFedAvg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Bytes and time of one secure-aggregation round against plain weighted FedAvg, in process, for
 * 4, 16 and 64 simulated clients (docs/SECURE_AGGREGATION.md, Cost). A main class, not a JMH
 * benchmark: a round of 64 clients takes seconds. Args: adapter sizes (default 3584 262144).
 * Times are one thread doing every client's work in turn; the median of 3 rounds after one warm-up.
 */
public final class SecAggCost {
    private SecAggCost() {}

    public static void main(String[] args) {
        int[] lengths = args.length == 0 ? new int[]{3584, 262_144} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.println("| values | clients | t | plain up/client | secure up/client | secure down/client | plain ms | secure ms (server ms) | per client ms |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int length : lengths)
            for (int n : new int[]{4, 16, 64}) {
                List<SecureFedAvg.Input> in = inputs(n, length);
                double[] plain = new double[3], secure = new double[3], server = new double[3];
                SecureFedAvg.Result last = null;
                for (int rep = -1; rep < 3; rep++) {
                    long t0 = System.nanoTime();
                    float[] ref = plainFedAvg(in);
                    double p = (System.nanoTime() - t0) / 1e6;
                    last = SecureFedAvg.aggregate(rep + 1, in, 0, 24);
                    if (Math.abs(last.mean()[0] - ref[0]) > 1e-6) throw new IllegalStateException("secure mean differs from plain");
                    if (rep < 0) continue;
                    plain[rep] = p;
                    secure[rep] = last.seconds() * 1e3;
                    server[rep] = last.serverSeconds() * 1e3;
                }
                double s = median(secure), sv = median(server);
                System.out.printf(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %.2f | %.1f (%.1f) | %.1f |%n", length, n, n / 2 + 1,
                        4L * length, last.bytesUp() / n, last.bytesDown() / n, median(plain), s, sv, (s - sv) / n);
            }
    }

    private static List<SecureFedAvg.Input> inputs(int n, int length) {
        Random r = new Random(n);
        List<SecureFedAvg.Input> in = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float[] v = new float[length];
            for (int j = 0; j < length; j++) v[j] = (float) (r.nextGaussian() * 0.01);
            in.add(new SecureFedAvg.Input(k, v, 20 + r.nextInt(40)));
        }
        return in;
    }

    /** What FedAvg does in process: Σ (w_k / Σw) x_k in float32. */
    private static float[] plainFedAvg(List<SecureFedAvg.Input> in) {
        long total = in.stream().mapToLong(SecureFedAvg.Input::weight).sum();
        float[] out = new float[in.getFirst().values().length];
        for (SecureFedAvg.Input x : in) {
            float w = (float) ((double) x.weight() / total);
            for (int j = 0; j < out.length; j++) out[j] += w * x.values()[j];
        }
        return out;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
