package io.fedbiot.engine.model;

import io.fedbiot.kernels.ref.RefAttention;
import io.fedbiot.kernels.ref.RefElementwise;
import io.fedbiot.kernels.ref.RefGemm;
import io.fedbiot.kernels.ref.RefLosses;
import io.fedbiot.kernels.ref.RefNorm;

import java.util.Map;
import java.util.Set;

/**
 * A float64 LLaMA composed only from the reference kernels: the twin every engine model test
 * compares against. Parameters by canonical name; LoRA as "layers.{i}.{target}.lora_A/B".
 */
final class RefLlama {
    private RefLlama() {}

    /** logits [B*T*V] for ids [B*T]. */
    static double[] forward(LlamaConfig c, Map<String, double[]> p, Set<LoraTarget> loraTargets, double loraScale,
                            int[] ids, int B, int T) {
        int N = B * T, C = c.dim(), H = c.nHeads(), G = c.nKvHeads(), D = c.headSize(), F = c.hiddenDim();
        double[] x = RefNorm.embedding(p.get("tok_embeddings"), ids, C);
        for (int l = 0; l < c.nLayers(); l++) {
            String pre = "layers." + l + ".";
            double[] xn = RefNorm.rmsnorm(x, p.get(pre + "attention_norm"), N, C, c.normEps());
            double[] q = lin(p, pre, "wq", xn, N, C, C, loraTargets, loraScale);
            double[] k = lin(p, pre, "wk", xn, N, C, c.kvDim(), loraTargets, loraScale);
            double[] v = lin(p, pre, "wv", xn, N, C, c.kvDim(), loraTargets, loraScale);
            q = RefNorm.rope(q, B, T, H, D, 0, c.ropeTheta(), c.ropeStyle());
            k = RefNorm.rope(k, B, T, G, D, 0, c.ropeTheta(), c.ropeStyle());
            double[] a = RefAttention.attention(q, k, v, B, T, T, H, G, D, 1.0 / Math.sqrt(D));
            x = add(x, lin(p, pre, "wo", a, N, C, C, loraTargets, loraScale));
            double[] hn = RefNorm.rmsnorm(x, p.get(pre + "ffn_norm"), N, C, c.normEps());
            double[] g = RefElementwise.swiglu(lin(p, pre, "w1", hn, N, C, F, loraTargets, loraScale),
                    lin(p, pre, "w3", hn, N, C, F, loraTargets, loraScale));
            x = add(x, lin(p, pre, "w2", g, N, F, C, loraTargets, loraScale));
        }
        double[] h = RefNorm.rmsnorm(x, p.get("norm"), N, C, c.normEps());
        double[] cls = p.containsKey("output") ? p.get("output") : p.get("tok_embeddings");
        return RefGemm.gemm(false, true, N, c.vocabSize(), C, h, cls);
    }

    static double loss(LlamaConfig c, Map<String, double[]> p, Set<LoraTarget> lt, double s, int[] ids, int[] targets,
                       double[] mask, int B, int T) {
        return RefLosses.crossEntropy(forward(c, p, lt, s, ids, B, T), targets, mask, B * T, c.vocabSize());
    }

    private static double[] lin(Map<String, double[]> p, String pre, String w, double[] x, int N, int in, int out,
                                Set<LoraTarget> lt, double s) {
        double[] y = RefGemm.gemm(false, true, N, out, in, x, p.get(pre + w));
        double[] a = p.get(pre + w + ".lora_A");
        if (a == null || !lt.contains(LoraTarget.parse(w))) return y;
        double[] bm = p.get(pre + w + ".lora_B");
        int r = a.length / in;
        double[] d = RefGemm.gemm(false, true, N, out, r, RefGemm.gemm(false, true, N, r, in, x, a), bm);
        for (int i = 0; i < y.length; i++) y[i] += s * d[i];
        return y;
    }

    private static double[] add(double[] a, double[] b) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i] + b[i];
        return o;
    }
}
