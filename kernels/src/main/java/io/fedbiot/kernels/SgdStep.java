package io.fedbiot.kernels;

/** One SGD step; with momentum > 0 a momentum buffer is required. */
public record SgdStep(float lr, float momentum, float weightDecay) {
    public SgdStep {
        KernelChecks.nonNegative("sgd", "lr", lr);
        KernelChecks.nonNegative("sgd", "momentum", momentum);
        KernelChecks.nonNegative("sgd", "weightDecay", weightDecay);
    }

    /** True when the step reads and writes the momentum buffer. */
    public boolean usesBuffer() {
        return momentum != 0f;
    }
}
