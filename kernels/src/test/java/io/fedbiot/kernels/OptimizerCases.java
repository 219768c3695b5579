package io.fedbiot.kernels;

import io.fedbiot.kernels.ref.RefElementwise;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.download;
import static io.fedbiot.kernels.testing.KernelTesting.randn;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;
import static io.fedbiot.kernels.testing.KernelTesting.upload;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** AdamW and SGD: several steps against the float64 reference, every state buffer compared. */
final class OptimizerCases {
    private OptimizerCases() {}

    static List<ParityCase> all() {
        return List.of(
                new ParityCase("adamw", "several steps, every state buffer", OptimizerCases::adamwFollowsReferenceOverSeveralSteps),
                new ParityCase("adamw", "step 0 is refused", OptimizerCases::adamwRejectsStepZero),
                new ParityCase("sgd", "without momentum: null buffer", OptimizerCases::sgdWithoutMomentumTakesNullBuffer),
                new ParityCase("sgd", "with momentum: several steps", OptimizerCases::sgdWithMomentumFollowsReference));
    }

    static final int[] SIZES = {1, 3, 7, 17, 33, 1000, 100003, 300007};
    static final int STEPS = 5;
    // Each step moves p by about lr; float32 rounding of p, m, v stays far below these.
    static final double RTOL = 1e-5, ATOL = 1e-6;

    static void adamwFollowsReferenceOverSeveralSteps(Backend be) {
        Random r = new Random(21);
        float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                for (float wd : new float[]{0f, 0.1f}) {
                    // firstStep 1: bias correction dominates; 50: resuming with non-zero state.
                    for (int firstStep : new int[]{1, 50}) {
                        float[] p = randn(r, n, 1);
                        float[] m = firstStep == 1 ? new float[n] : randn(r, n, 0.01);
                        float[] v = new float[n];
                        if (firstStep > 1) for (int i = 0; i < n; i++) v[i] = (float) (1e-4 * (1 + r.nextDouble()));
                        double[] pd = toDouble(p), md = toDouble(m), vd = toDouble(v);
                        Buf P = upload(be, p, arena), M = upload(be, m, arena), V = upload(be, v, arena);
                        for (int step = firstStep; step < firstStep + STEPS; step++) {
                            float[] g = randn(r, n, 0.01);
                            be.adamw(new AdamWStep(lr, b1, b2, eps, wd, step), P, upload(be, g, arena), M, V, n);
                            RefElementwise.adamw(pd, toDouble(g), md, vd, lr, b1, b2, eps, wd, step);
                            String at = "adamw n=" + n + " wd=" + wd + " step=" + step;
                            assertClose(at + " p", pd, download(P), RTOL, ATOL);
                            assertClose(at + " m", md, download(M), RTOL, 1e-9);
                            assertClose(at + " v", vd, download(V), RTOL, 1e-12);
                        }
                    }
                }
            }
        }
    }

    static void adamwRejectsStepZero(Backend be) {
        try (Arena arena = Arena.ofShared()) {
            Buf x = upload(be, new float[4], arena);
            assertThrows(IllegalArgumentException.class,
                    () -> be.adamw(new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 0), x, x, x, x, 4));
        }
    }

    static void sgdWithoutMomentumTakesNullBuffer(Backend be) {
        Random r = new Random(22);
        float lr = 0.05f;
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                for (float wd : new float[]{0f, 0.01f}) {
                    float[] p = randn(r, n, 1);
                    double[] pd = toDouble(p);
                    Buf P = upload(be, p, arena);
                    for (int step = 0; step < STEPS; step++) {
                        float[] g = randn(r, n, 1);
                        be.sgd(new SgdStep(lr, 0f, wd), P, upload(be, g, arena), null, n);
                        RefElementwise.sgd(pd, toDouble(g), null, lr, 0, wd);
                        assertClose("sgd n=" + n + " wd=" + wd + " step=" + step, pd, download(P), RTOL, ATOL);
                    }
                }
            }
        }
    }

    static void sgdWithMomentumFollowsReference(Backend be) {
        Random r = new Random(23);
        float lr = 0.05f, mu = 0.9f;
        try (Arena arena = Arena.ofShared()) {
            for (int n : SIZES) {
                for (float wd : new float[]{0f, 0.01f}) {
                    float[] p = randn(r, n, 1);
                    double[] pd = toDouble(p), bufd = new double[n];
                    Buf P = upload(be, p, arena), BUF = upload(be, new float[n], arena);
                    for (int step = 0; step < STEPS; step++) {
                        float[] g = randn(r, n, 1);
                        be.sgd(new SgdStep(lr, mu, wd), P, upload(be, g, arena), BUF, n);
                        RefElementwise.sgd(pd, toDouble(g), bufd, lr, mu, wd);
                        String at = "sgd momentum n=" + n + " wd=" + wd + " step=" + step;
                        assertClose(at + " p", pd, download(P), RTOL, ATOL);
                        assertClose(at + " buf", bufd, download(BUF), RTOL, ATOL);
                    }
                }
            }
        }
    }
}
