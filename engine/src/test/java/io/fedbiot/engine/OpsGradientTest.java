package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.RopeStyle;
import io.fedbiot.kernels.ref.RefAttention;
import io.fedbiot.kernels.ref.RefElementwise;
import io.fedbiot.kernels.ref.RefGemm;
import io.fedbiot.kernels.ref.RefLosses;
import io.fedbiot.kernels.ref.RefNorm;
import io.fedbiot.kernels.testing.KernelTesting;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.randn;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Every engine op, through autograd, against the float64 reference and finite differences. */
class OpsGradientTest {
    static final double RTOL = 2e-3, ATOL = 2e-4;

    static List<Backend> backends() {
        return KernelTesting.backends();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void matmulAllTransposes(Backend be) {
        Random r = new Random(1);
        int M = 5, N = 7, K = 3;
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true}) {
                int[] sa = ta ? new int[]{K, M} : new int[]{M, K}, sb = tb ? new int[]{N, K} : new int[]{K, N};
                GradCheck.check("matmul ta=" + ta + " tb=" + tb, be,
                        new float[][]{randn(r, M * K, 1), randn(r, K * N, 1)}, new int[][]{sa, sb},
                        x -> Linalg.matmul(x[0], x[1], ta, tb),
                        x -> RefGemm.gemm(ta, tb, M, N, K, x[0], x[1]), RTOL, ATOL);
            }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void batchedMatmul(Backend be) {
        Random r = new Random(2);
        int bt = 3, M = 4, N = 5, K = 6;
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true}) {
                int[] sa = ta ? new int[]{bt, K, M} : new int[]{bt, M, K}, sb = tb ? new int[]{bt, N, K} : new int[]{bt, K, N};
                GradCheck.check("bmm ta=" + ta + " tb=" + tb, be,
                        new float[][]{randn(r, bt * M * K, 1), randn(r, bt * K * N, 1)}, new int[][]{sa, sb},
                        x -> Linalg.matmul(x[0], x[1], ta, tb),
                        x -> {
                            double[] out = new double[bt * M * N];
                            for (int b = 0; b < bt; b++) {
                                double[] a = java.util.Arrays.copyOfRange(x[0], b * M * K, (b + 1) * M * K);
                                double[] bb = java.util.Arrays.copyOfRange(x[1], b * K * N, (b + 1) * K * N);
                                System.arraycopy(RefGemm.gemm(ta, tb, M, N, K, a, bb), 0, out, b * M * N, M * N);
                            }
                            return out;
                        }, RTOL, ATOL);
            }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void linearFoldsLeadingDims(Backend be) {
        Random r = new Random(3);
        int B = 2, T = 3, K = 5, N = 4;
        GradCheck.check("linear", be, new float[][]{randn(r, B * T * K, 1), randn(r, N * K, 1)},
                new int[][]{{B, T, K}, {N, K}}, x -> Linalg.linear(x[0], x[1]),
                x -> RefGemm.gemm(false, true, B * T, N, K, x[0], x[1]), RTOL, ATOL);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void elementwiseAndReductions(Backend be) {
        Random r = new Random(4);
        int n = 37;
        float[] a = randn(r, n, 1), b = randn(r, n, 1);
        int[][] s = {{n}, {n}};
        GradCheck.check("add", be, new float[][]{a, b}, s, x -> Ops.add(x[0], x[1]), x -> zip(x[0], x[1], Double::sum), RTOL, ATOL);
        GradCheck.check("mul", be, new float[][]{a, b}, s, x -> Ops.mul(x[0], x[1]), x -> zip(x[0], x[1], (p, q) -> p * q), RTOL, ATOL);
        GradCheck.check("scale", be, new float[][]{a}, new int[][]{{n}}, x -> Ops.scale(x[0], -2.5f),
                x -> java.util.Arrays.stream(x[0]).map(v -> -2.5 * v).toArray(), RTOL, ATOL);
        GradCheck.check("sum", be, new float[][]{a}, new int[][]{{n}}, x -> Ops.sum(x[0]),
                x -> new double[]{java.util.Arrays.stream(x[0]).sum()}, RTOL, ATOL);
        GradCheck.check("mean", be, new float[][]{a}, new int[][]{{n}}, x -> Ops.mean(x[0]),
                x -> new double[]{java.util.Arrays.stream(x[0]).average().orElseThrow()}, RTOL, ATOL);
        GradCheck.check("reshape", be, new float[][]{a}, new int[][]{{n}}, x -> Ops.mul(Ops.reshape(x[0], 1, n), Ops.reshape(x[0], 1, n)),
                x -> zip(x[0], x[0], (p, q) -> p * q), RTOL, ATOL);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void embeddingScatterAdds(Backend be) {
        Random r = new Random(5);
        int V = 7, C = 5;
        int[] ids = {3, 1, 3, 6, 0, 3};
        try (var step = StepScope.open()) {
            Tensor idT = Tensor.ofInts(be, ids, 2, 3);
            GradCheck.check("embedding", be, new float[][]{randn(r, V * C, 1)}, new int[][]{{V, C}},
                    x -> Nn.embedding(x[0], idT), x -> RefNorm.embedding(x[0], ids, C), RTOL, ATOL);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void rmsnorm(Backend be) {
        Random r = new Random(6);
        int N = 4, C = 9;
        GradCheck.check("rmsnorm", be, new float[][]{randn(r, N * C, 1), randn(r, C, 1)}, new int[][]{{2, 2, C}, {C}},
                x -> Nn.rmsnorm(x[0], x[1], 1e-5f), x -> RefNorm.rmsnorm(x[0], x[1], N, C, 1e-5), RTOL, ATOL);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void ropeBothStyles(Backend be) {
        Random r = new Random(7);
        int B = 2, T = 5, H = 3, D = 6;
        for (RopeStyle style : RopeStyle.values())
            GradCheck.check("rope " + style, be, new float[][]{randn(r, B * T * H * D, 1)}, new int[][]{{B, T, H, D}},
                    x -> Nn.rope(x[0], 3, 10000f, style), x -> RefNorm.rope(x[0], B, T, H, D, 3, 10000, style), RTOL, ATOL);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void attentionGroupedKv(Backend be) {
        Random r = new Random(8);
        int B = 2, T = 6, H = 4, G = 2, D = 5;
        float scale = (float) (1 / Math.sqrt(D));
        GradCheck.check("attention", be,
                new float[][]{randn(r, B * T * H * D, 1), randn(r, B * T * G * D, 1), randn(r, B * T * G * D, 1)},
                new int[][]{{B, T, H, D}, {B, T, G, D}, {B, T, G, D}},
                x -> Nn.attention(x[0], x[1], x[2], scale),
                x -> RefAttention.attention(x[0], x[1], x[2], B, T, T, H, G, D, scale), RTOL, ATOL);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void swiglu(Backend be) {
        Random r = new Random(9);
        int n = 23;
        GradCheck.check("swiglu", be, new float[][]{randn(r, n, 2), randn(r, n, 1)}, new int[][]{{n}, {n}},
                x -> Nn.swiglu(x[0], x[1]), x -> RefElementwise.swiglu(x[0], x[1]), RTOL, ATOL);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void swigluLinear(Backend be) {
        Random r = new Random(19);
        int B = 2, T = 3, F = 7, C = 5;
        GradCheck.check("swigluLinear", be, new float[][]{randn(r, B * T * F, 2), randn(r, B * T * F, 1), randn(r, C * F, 1)},
                new int[][]{{B, T, F}, {B, T, F}, {C, F}}, x -> Nn.swigluLinear(x[0], x[1], x[2]),
                x -> RefGemm.gemm(false, true, B * T, C, F, RefElementwise.swiglu(x[0], x[1]), x[2]), RTOL, ATOL);
    }

    /**
     * Against the unfused pair linear(swiglu(a, b), W), over more rows than one backward block
     * (512), with W trained and frozen (the LoRA case: W gets no gradient).
     */
    @ParameterizedTest
    @MethodSource("backends")
    void swigluLinearMatchesTheUnfusedPair(Backend be) {
        Random r = new Random(20);
        int M = 1100, F = 9, C = 4;
        float[] a = randn(r, M * F, 2), b = randn(r, M * F, 1), w = randn(r, C * F, 1), up = randn(r, M * C, 1);
        for (boolean trainW : new boolean[]{true, false}) {
            float[][][] grads = new float[2][][];
            for (int fused = 0; fused < 2; fused++)
                try (var s = StepScope.open()) {
                    Tensor ta = Tensor.of(be, a, M, F).requiresGrad(true), tb = Tensor.of(be, b, M, F).requiresGrad(true);
                    Tensor tw = Tensor.of(be, w, C, F).requiresGrad(trainW);
                    Tensor y = fused == 1 ? Nn.swigluLinear(ta, tb, tw) : Linalg.linear(Nn.swiglu(ta, tb), tw);
                    Autograd.backward(Ops.sum(Ops.mul(y, Tensor.of(be, up, M, C))));
                    if (!trainW) assertNull(tw.grad());
                    grads[fused] = new float[][]{y.toFloatArray(), ta.grad().toFloatArray(), tb.grad().toFloatArray(),
                            trainW ? tw.grad().toFloatArray() : new float[0]};
                }
            String[] names = {"y", "d/da", "d/db"};
            for (int i = 0; i < names.length; i++)
                KernelTesting.assertClose("swigluLinear " + names[i] + (trainW ? "" : " (W frozen)"),
                        KernelTesting.toDouble(grads[0][i]), grads[1][i], 1e-5, 1e-5);
            if (!trainW) continue;
            // dW sums 1100 rows in another order than the unfused GEMM: against float64 instead.
            double[] g = RefElementwise.swiglu(KernelTesting.toDouble(a), KernelTesting.toDouble(b)), dW = new double[C * F];
            for (int m = 0; m < M; m++)
                for (int c = 0; c < C; c++)
                    for (int f = 0; f < F; f++) dW[c * F + f] += (double) up[m * C + c] * g[m * F + f];
            KernelTesting.assertClose("swigluLinear d/dW", dW, grads[1][3], 1e-4, 1e-5);
            KernelTesting.assertClose("unfused d/dW", dW, grads[0][3], 1e-4, 1e-5);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void lossesWithMasks(Backend be) {
        Random r = new Random(10);
        int N = 6, V = 11;
        int[] targets = {1, 10, 4, 4, 0, 7};
        float[] maskF = {1, 0, 1, 1, 0, 1};
        double[] maskD = KernelTesting.toDouble(maskF);
        try (var step = StepScope.open()) {
            Tensor tg = Tensor.ofInts(be, targets, 2, 3);
            Tensor mask = Tensor.of(be, maskF, 2, 3);
            GradCheck.check("crossEntropy", be, new float[][]{randn(r, N * V, 2)}, new int[][]{{2, 3, V}},
                    x -> Losses.crossEntropy(x[0], tg, mask), x -> new double[]{RefLosses.crossEntropy(x[0], targets, maskD, N, V)}, RTOL, ATOL);
            GradCheck.check("kl", be, new float[][]{randn(r, N * V, 2), randn(r, N * V, 2)}, new int[][]{{N, V}, {N, V}},
                    x -> Losses.kl(x[0], x[1], mask.view(N)), x -> new double[]{RefLosses.kl(x[0], x[1], maskD, N, V)}, RTOL, ATOL);
            GradCheck.check("nmse", be, new float[][]{randn(r, N * 5, 1), randn(r, N * 5, 1)}, new int[][]{{N, 5}, {N, 5}},
                    x -> Losses.nmse(x[0], x[1], mask.view(N)), x -> new double[]{RefLosses.nmse(x[0], x[1], maskD, N, 5)}, RTOL, ATOL);
            GradCheck.check("crossEntropy unmasked", be, new float[][]{randn(r, N * V, 2)}, new int[][]{{N, V}},
                    x -> Losses.crossEntropy(x[0], tg.view(N), null), x -> new double[]{RefLosses.crossEntropy(x[0], targets, null, N, V)}, RTOL, ATOL);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void dropoutMatchesItsMask(Backend be) {
        Random r = new Random(11);
        int n = 101;
        float p = 0.3f;
        long seed = 42;
        GradCheck.check("dropout", be, new float[][]{randn(r, n, 1)}, new int[][]{{n}}, x -> Nn.dropout(x[0], p, seed), x -> {
            double[] out = new double[n];
            for (int i = 0; i < n; i++)
                out[i] = io.fedbiot.kernels.KernelMath.dropoutUniform(seed, i) < p ? 0 : x[0][i] / (1 - p);
            return out;
        }, RTOL, ATOL);
        try (var step = StepScope.open()) {
            Tensor x = Tensor.of(be, randn(r, n, 1), n);
            // p == 0 is the identity and records nothing.
            assertNull(Nn.dropout(x, 0f, seed).node());
        }
    }

    private static double[] zip(double[] a, double[] b, java.util.function.DoubleBinaryOperator f) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = f.applyAsDouble(a[i], b[i]);
        return o;
    }
}
