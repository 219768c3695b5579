package io.fedbiot.kernels;

/** The classifier of {@link Backend#linearCrossEntropy}: h [N,C] times W [V,C]^T gives logits [N,V]. */
public record Classifier(int N, int C, int V) {
    public Classifier {
        KernelChecks.nonNegative("linearCrossEntropy", "N", N);
        KernelChecks.positive("linearCrossEntropy", "C", C);
        KernelChecks.positive("linearCrossEntropy", "V", V);
    }
}
