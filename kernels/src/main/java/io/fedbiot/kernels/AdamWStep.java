package io.fedbiot.kernels;

/** One AdamW step t >= 1 (bias correction divides by 1 - beta^t) with decoupled weight decay. */
public record AdamWStep(float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
    public AdamWStep {
        KernelChecks.nonNegative("adamw", "lr", lr);
        beta("beta1", beta1);
        beta("beta2", beta2);
        KernelChecks.nonNegative("adamw", "eps", eps);
        KernelChecks.nonNegative("adamw", "weightDecay", weightDecay);
        if (step < 1) KernelChecks.fail("adamw", "step=" + step + " must be at least 1");
    }

    private static void beta(String name, float b) {
        if (!(b >= 0f && b < 1f)) KernelChecks.fail("adamw", name + "=" + b + " must be in [0, 1)");
    }
}
