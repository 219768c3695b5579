package io.fedbiot.engine;

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

/**
 * A LLaMA block with LoRA on wq and wv, embedding below and a classifier with masked
 * cross-entropy on top, composed from engine ops; every parameter's gradient is checked against
 * finite differences of the same block composed from the float64 reference kernels.
 */
class TransformerBlockGradTest {
    // B batch, T sequence, C channels, H heads, G KV heads, D head size, F hidden, V vocab, R LoRA rank
    static final int B = 2, T = 5, C = 8, H = 2, G = 1, D = 4, F = 12, V = 11, R = 2;
    static final float EPS = 1e-5f, THETA = 10000f, LORA_SCALE = 2f;
    static final float ATT_SCALE = (float) (1 / Math.sqrt(D));
    static final int[] IDS = {1, 5, 3, 3, 9, 0, 2, 10, 7, 4};
    static final int[] TARGETS = {5, 3, 3, 9, 0, 2, 10, 7, 4, 4};
    static final float[] MASK = {0, 1, 1, 1, 1, 0, 0, 1, 1, 1};

    static final String[] NAMES = {"emb", "attnNorm", "wq", "aq", "bq", "wk", "wv", "av", "bv", "wo",
            "ffnNorm", "w1", "w3", "w2", "finalNorm", "wcls"};
    static final int[][] SHAPES = {{V, C}, {C}, {H * D, C}, {R, C}, {H * D, R}, {G * D, C}, {G * D, C}, {R, C}, {G * D, R},
            {C, H * D}, {C}, {F, C}, {F, C}, {C, F}, {C}, {V, C}};

    static List<Backend> backends() {
        return KernelTesting.backends();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void everyParameterMatchesFiniteDifferences(Backend be) {
        Random r = new Random(2024);
        float[][] init = new float[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            int n = Math.toIntExact(Tensor.numel(SHAPES[i]));
            boolean norm = NAMES[i].endsWith("Norm");
            init[i] = norm ? KernelTesting.uniform(r, n, 0.5, 1.5) : KernelTesting.randn(r, n, 0.5);
        }
        try (var step = StepScope.open()) {
            Tensor ids = Tensor.ofInts(be, IDS, B, T);
            Tensor targets = Tensor.ofInts(be, TARGETS, B, T);
            Tensor mask = Tensor.of(be, MASK, B, T);
            GradCheck.check("transformer block", be, init, SHAPES,
                    p -> engineBlock(p, ids, targets, mask), TransformerBlockGradTest::refBlock, 2e-3, 5e-5);
        }
    }

    static Tensor engineBlock(Tensor[] p, Tensor ids, Tensor targets, Tensor mask) {
        Tensor x0 = Nn.embedding(p[0], ids);                                          // [B,T,C]
        Tensor h = Nn.rmsnorm(x0, p[1], EPS);
        Tensor q = lora(h, p[2], p[3], p[4]);                                        // [B,T,H*D]
        Tensor k = Linalg.linear(h, p[5]);                                           // [B,T,G*D]
        Tensor v = lora(h, p[6], p[7], p[8]);
        q = Nn.rope(Ops.reshape(q, B, T, H, D), 0, THETA, RopeStyle.INTERLEAVED);
        k = Nn.rope(Ops.reshape(k, B, T, G, D), 0, THETA, RopeStyle.INTERLEAVED);
        Tensor a = Nn.attention(q, k, Ops.reshape(v, B, T, G, D), ATT_SCALE);
        Tensor x1 = Ops.add(x0, Linalg.linear(Ops.reshape(a, B, T, H * D), p[9]));
        Tensor h2 = Nn.rmsnorm(x1, p[10], EPS);
        Tensor m = Nn.swiglu(Linalg.linear(h2, p[11]), Linalg.linear(h2, p[12]));  // [B,T,F]
        Tensor x2 = Ops.add(x1, Linalg.linear(m, p[13]));
        Tensor logits = Linalg.linear(Nn.rmsnorm(x2, p[14], EPS), p[15]);           // [B,T,V]
        return Losses.crossEntropy(logits, targets, mask);
    }

    // y = x W^T + s (x A^T) B^T
    static Tensor lora(Tensor x, Tensor w, Tensor a, Tensor b) {
        return Ops.add(Linalg.linear(x, w), Ops.scale(Linalg.linear(Linalg.linear(x, a), b), LORA_SCALE));
    }

    static double[] refBlock(double[][] p) {
        int N = B * T;
        double[] x0 = RefNorm.embedding(p[0], IDS, C);
        double[] h = RefNorm.rmsnorm(x0, p[1], N, C, EPS);
        double[] q = refLora(h, p[2], p[3], p[4], N, H * D);
        double[] k = RefGemm.gemm(false, true, N, G * D, C, h, p[5]);
        double[] v = refLora(h, p[6], p[7], p[8], N, G * D);
        q = RefNorm.rope(q, B, T, H, D, 0, THETA, RopeStyle.INTERLEAVED);
        k = RefNorm.rope(k, B, T, G, D, 0, THETA, RopeStyle.INTERLEAVED);
        double[] a = RefAttention.attention(q, k, v, B, T, T, H, G, D, ATT_SCALE);
        double[] x1 = add(x0, RefGemm.gemm(false, true, N, C, H * D, a, p[9]));
        double[] h2 = RefNorm.rmsnorm(x1, p[10], N, C, EPS);
        double[] m = RefElementwise.swiglu(RefGemm.gemm(false, true, N, F, C, h2, p[11]), RefGemm.gemm(false, true, N, F, C, h2, p[12]));
        double[] x2 = add(x1, RefGemm.gemm(false, true, N, C, F, m, p[13]));
        double[] logits = RefGemm.gemm(false, true, N, V, C, RefNorm.rmsnorm(x2, p[14], N, C, EPS), p[15]);
        return new double[]{RefLosses.crossEntropy(logits, TARGETS, KernelTesting.toDouble(MASK), N, V)};
    }

    static double[] refLora(double[] x, double[] w, double[] a, double[] b, int N, int out) {
        double[] base = RefGemm.gemm(false, true, N, out, C, x, w);
        double[] xa = RefGemm.gemm(false, true, N, R, C, x, a);
        double[] delta = RefGemm.gemm(false, true, N, out, R, xa, b);
        for (int i = 0; i < base.length; i++) base[i] += LORA_SCALE * delta[i];
        return base;
    }

    static double[] add(double[] a, double[] b) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i] + b[i];
        return o;
    }
}
