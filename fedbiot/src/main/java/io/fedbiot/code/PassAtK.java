package io.fedbiot.code;

/**
 * The unbiased pass@k estimator of the HumanEval paper (Chen et al. 2021): with n samples of which
 * c pass, 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1..n} (1 - k/i) so no binomial
 * coefficient is ever formed (they overflow a double near n = 1030).
 */
public final class PassAtK {
    private PassAtK() {}

    public static double estimate(int n, int c, int k) {
        if (n < 1 || k < 1 || k > n) throw new IllegalArgumentException("pass@k needs 1 <= k <= n, got n=" + n + ", k=" + k);
        if (c < 0 || c > n) throw new IllegalArgumentException("passed samples c must be in [0, n], got c=" + c + ", n=" + n);
        if (n - c < k) return 1.0; // every k-subset holds a passing sample
        double allFail = 1.0;
        for (int i = n - c + 1; i <= n; i++) allFail *= 1.0 - (double) k / i;
        return 1.0 - allFail;
    }
}
