package io.fedbiot.engine.model;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Losses;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.RopeStyle;
import io.fedbiot.kernels.testing.KernelTesting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;
import static org.junit.jupiter.api.Assertions.*;

/** The engine's LLaMA against its float64 twin {@link RefLlama}. */
class LlamaModelTest {
    final Backend be = Backends.java();
    static final int B = 2, T = 6;

    static LlamaConfig tiny(RopeStyle style, boolean tied) {
        return new LlamaConfig(16, 24, 2, 4, 2, 19, 16, 10000f, 1e-5f, tied, style);
    }

    /** Random base weights with norms away from 1 and larger matrices, so every path matters. */
    LlamaWeights weights(LlamaConfig c, Arena a, long seed) {
        LlamaWeights w = LlamaWeights.random(c, be, a, seed);
        Rng rng = new Rng(seed + 1);
        for (var e : w.toTensors().entrySet()) {
            if (e.getKey().endsWith("norm")) rng.uniform(e.getValue(), 0.6, 1.4);
            else rng.normal(e.getValue(), 0.3);
        }
        return w;
    }

    static Map<String, double[]> toRef(Map<String, Tensor> tensors) {
        Map<String, double[]> m = new HashMap<>();
        tensors.forEach((k, v) -> m.put(k, toDouble(v.toFloatArray())));
        return m;
    }

    static int[] ids(Random r, int n, int V) {
        return r.ints(n, 0, V).toArray();
    }

    @ParameterizedTest
    @CsvSource({"INTERLEAVED,true", "HALF_SPLIT,false"})
    void logitsMatchTheFloat64Twin(RopeStyle style, boolean tied) {
        LlamaConfig c = tiny(style, tied);
        Random r = new Random(1);
        int[] ids = ids(r, B * T, c.vocabSize());
        try (Arena a = Arena.ofShared(); var s = StepScope.open()) {
            LlamaWeights w = weights(c, a, 3);
            LlamaModel m = LlamaModel.full(w);
            LoraSet lora = LoraSet.create(c, new LoraConfig(2, 4f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV, LoraTarget.W2)),
                    new int[]{1}, be, a, new Rng(4));
            new Rng(5).normal(lora.params().flat(), 0.2); // B != 0 so the adapter matters
            m.attach(lora);
            float[] logits = m.forward(Tensor.ofInts(be, ids, B, T)).toFloatArray();
            Map<String, double[]> p = toRef(w.toTensors());
            p.putAll(toRef(lora.params().named()));
            double[] ref = RefLlama.forward(c, p, lora.config().targets(), lora.config().scaling(), ids, B, T);
            assertClose("logits", ref, logits, 1e-4, 1e-4);
        }
    }

    @Test
    void everyGradientMatchesFiniteDifferences() {
        LlamaConfig c = new LlamaConfig(8, 12, 2, 2, 1, 7, 8, 10000f, 1e-5f, false, RopeStyle.INTERLEAVED);
        Random r = new Random(2);
        int b = 2, t = 4;
        int[] ids = ids(r, b * t, c.vocabSize()), targets = ids(r, b * t, c.vocabSize());
        float[] maskF = {1, 1, 0, 1, 0, 1, 1, 1};
        try (Arena a = Arena.ofShared(); var s = StepScope.open()) {
            LlamaWeights w = weights(c, a, 7);
            w.toTensors().values().forEach(x -> x.requiresGrad(true)); // full fine-tuning and LoRA together
            LoraSet lora = LoraSet.create(c, new LoraConfig(2, 4f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV, LoraTarget.W1)),
                    new int[]{0, 1}, be, a, new Rng(8));
            new Rng(9).normal(lora.params().flat(), 0.3);
            lora.params().targets().forEach(p -> p.requiresGrad(true)); // this test owns them: trainable for good
            LlamaModel m = LlamaModel.full(w);
            m.attach(lora);
            Tensor loss = Losses.crossEntropy(m.forward(Tensor.ofInts(be, ids, b, t)), Tensor.ofInts(be, targets, b, t),
                    Tensor.of(be, maskF, b, t));
            Autograd.backward(loss);

            Map<String, Tensor> all = new LinkedHashMap<>(w.toTensors());
            all.putAll(lora.params().named());
            Map<String, double[]> p = toRef(all);
            double[] mask = toDouble(maskF);
            float sc = lora.config().scaling();
            assertClose("loss", RefLlama.loss(c, p, lora.config().targets(), sc, ids, targets, mask, b, t), loss.item(), 1e-5, 1e-6);
            for (var e : all.entrySet()) {
                double[] x0 = p.get(e.getKey());
                double[] fd = KernelTesting.finiteDiff(x -> {
                    Map<String, double[]> q = new HashMap<>(p);
                    q.put(e.getKey(), x);
                    return RefLlama.loss(c, q, lora.config().targets(), sc, ids, targets, mask, b, t);
                }, x0, 1e-6);
                assertClose("d loss / d " + e.getKey(), fd, e.getValue().grad().toFloatArray(), 3e-3, 3e-5);
            }
        }
    }

    /**
     * model.loss (the classifier fused with cross-entropy, no logits kept) on every backend: the
     * float64 loss and finite-difference gradients of every weight, tied classifier included.
     */
    @Test
    void fusedLossAndGradientsMatchTheFloat64TwinOnEveryBackend() {
        LlamaConfig c = new LlamaConfig(8, 12, 2, 2, 1, 7, 8, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
        Random r = new Random(12);
        int b = 2, t = 4;
        int[] ids = ids(r, b * t, c.vocabSize()), targets = ids(r, b * t, c.vocabSize());
        float[] maskF = {1, 0, 1, 1, 1, 0, 1, 1};
        for (Backend bk : KernelTesting.backends()) {
            try (Arena a = Arena.ofShared(); var s = StepScope.open()) {
                LlamaWeights w = LlamaWeights.random(c, bk, a, 7);
                Rng rng = new Rng(8);
                for (var e : w.toTensors().entrySet()) {
                    if (e.getKey().endsWith("norm")) rng.uniform(e.getValue(), 0.6, 1.4);
                    else rng.normal(e.getValue(), 0.3);
                }
                w.toTensors().values().forEach(x -> x.requiresGrad(true));
                LlamaModel m = LlamaModel.full(w);
                Tensor loss = m.loss(Tensor.ofInts(bk, ids, b, t), Tensor.ofInts(bk, targets, b, t), Tensor.of(bk, maskF, b, t));
                Autograd.backward(loss);
                Map<String, Tensor> all = w.toTensors();
                Map<String, double[]> p = toRef(all);
                double[] mask = toDouble(maskF);
                String on = bk.name() + ": ";
                assertClose(on + "loss", RefLlama.loss(c, p, EnumSet.noneOf(LoraTarget.class), 1f, ids, targets, mask, b, t),
                        loss.item(), 1e-5, 1e-6);
                for (var e : all.entrySet()) {
                    double[] fd = KernelTesting.finiteDiff(x -> {
                        Map<String, double[]> q = new HashMap<>(p);
                        q.put(e.getKey(), x);
                        return RefLlama.loss(c, q, EnumSet.noneOf(LoraTarget.class), 1f, ids, targets, mask, b, t);
                    }, p.get(e.getKey()), 1e-6);
                    assertClose(on + "d loss / d " + e.getKey(), fd, e.getValue().grad().toFloatArray(), 3e-3, 3e-5);
                }
            }
        }
    }

    @Test
    void kvCacheGivesTheSameLogitsAsTheFullForward() {
        LlamaConfig c = tiny(RopeStyle.HALF_SPLIT, true);
        int[] ids = ids(new Random(3), 9, c.vocabSize());
        try (Arena a = Arena.ofShared(); var s = StepScope.open()) {
            LlamaModel m = LlamaModel.full(weights(c, a, 11));
            float[] full = m.forward(Tensor.ofInts(be, ids, 1, ids.length)).toFloatArray();
            int V = c.vocabSize();
            // Token by token.
            KvCache cache = m.newCache(ids.length, a);
            for (int pos = 0; pos < ids.length; pos++) {
                float[] step = m.forwardCached(new int[]{ids[pos]}, pos, cache).toFloatArray();
                assertClose("position " + pos, toDouble(java.util.Arrays.copyOfRange(full, pos * V, (pos + 1) * V)), step, 1e-4, 1e-5);
            }
            // A prompt chunk of 5, then single tokens.
            KvCache chunked = m.newCache(ids.length, a);
            m.forwardCached(java.util.Arrays.copyOf(ids, 5), 0, chunked);
            float[] next = m.forwardCached(new int[]{ids[5]}, 5, chunked).toFloatArray();
            assertClose("after a chunk", toDouble(java.util.Arrays.copyOfRange(full, 5 * V, 6 * V)), next, 1e-4, 1e-5);
        }
    }

    @Test
    void layerDroppedModelsShareTheBaseWeights() {
        LlamaConfig c = new LlamaConfig(16, 24, 4, 4, 2, 19, 16, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
        try (Arena a = Arena.ofShared()) {
            LlamaWeights w = weights(c, a, 13);
            long before = be.liveBytes();
            LlamaModel emulator = new LlamaModel(w, new int[]{0, 3});
            assertEquals(before, be.liveBytes(), "assembling a model must not copy weights");
            assertSame(w.layers().get(3).wq(), emulator.base().layers().get(emulator.layers()[1]).wq());
            assertThrows(IllegalArgumentException.class, () -> new LlamaModel(w, new int[]{4}));
            try (var s = StepScope.open()) {
                int[] ids = ids(new Random(4), 6, c.vocabSize());
                Map<String, double[]> p = toRef(w.toTensors());
                // The emulator equals a 2-layer model made of base layers 0 and 3.
                LlamaConfig c2 = new LlamaConfig(16, 24, 2, 4, 2, 19, 16, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
                Map<String, double[]> p2 = new HashMap<>();
                for (var e : p.entrySet()) {
                    String k = e.getKey();
                    if (k.startsWith("layers.0.")) p2.put(k, e.getValue());
                    else if (k.startsWith("layers.3.")) p2.put(k.replace("layers.3.", "layers.1."), e.getValue());
                    else if (!k.startsWith("layers.")) p2.put(k, e.getValue());
                }
                double[] ref = RefLlama.forward(c2, p2, EnumSet.noneOf(LoraTarget.class), 1, ids, 1, 6);
                assertClose("emulator logits", ref, emulator.forward(Tensor.ofInts(be, ids, 1, 6)).toFloatArray(), 1e-4, 1e-4);
            }
        }
    }

    @Test
    void loraSetsAttachCopyAndAverage() {
        LlamaConfig c = tiny(RopeStyle.INTERLEAVED, true);
        LoraConfig lc = new LoraConfig(2, 4f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV));
        try (Arena a = Arena.ofShared(); var s = StepScope.open()) {
            LlamaModel m = LlamaModel.full(weights(c, a, 17));
            int[] ids = ids(new Random(5), 6, c.vocabSize());
            float[] plain = m.forward(Tensor.ofInts(be, ids, 1, 6)).toFloatArray();
            LoraSet fresh = LoraSet.create(c, lc, new int[]{1}, be, a, new Rng(1));
            m.attach(fresh);
            assertArrayEquals(plain, m.forward(Tensor.ofInts(be, ids, 1, 6)).toFloatArray(), "B = 0: a fresh adapter changes nothing");
            assertThrows(IllegalArgumentException.class, () -> m.attach(LoraSet.create(c, lc, new int[]{1}, be, a, new Rng(2))));
            new Rng(3).normal(fresh.params().flat(), 0.5);
            assertFalse(java.util.Arrays.equals(plain, m.forward(Tensor.ofInts(be, ids, 1, 6)).toFloatArray()));
            m.detach(fresh);
            assertArrayEquals(plain, m.forward(Tensor.ofInts(be, ids, 1, 6)).toFloatArray());

            LoraSet copy = fresh.copy(a);
            assertArrayEquals(fresh.params().flat().toFloatArray(), copy.params().flat().toFloatArray());
            LoraSet other = LoraSet.create(c, lc, new int[]{1}, be, a, new Rng(4));
            new Rng(5).normal(other.params().flat(), 0.5);
            LoraSet avg = LoraSet.empty(c, lc, new int[]{1}, be, a);
            avg.setWeightedSum(List.of(copy, other), new double[]{0.25, 0.75});
            float[] x = copy.params().flat().toFloatArray(), y = other.params().flat().toFloatArray(), z = avg.params().flat().toFloatArray();
            for (int i = 0; i < z.length; i++) assertEquals(0.25 * x[i] + 0.75 * y[i], z[i], 1e-6);
            LoraSet elsewhere = LoraSet.create(c, lc, new int[]{0}, be, a, new Rng(6));
            assertThrows(IllegalArgumentException.class, () -> avg.copyFrom(elsewhere));
        }
    }

    @Test
    void greedyGenerationFollowsThePromptThenTheArgmax() {
        LlamaConfig c = tiny(RopeStyle.INTERLEAVED, true);
        try (Arena a = Arena.ofShared()) {
            LlamaModel m = LlamaModel.full(weights(c, a, 19));
            int[] prompt = {1, 5, 7};
            int[] out = Generator.generate(m, prompt, 10, new Sampler(0f, 1f, 0), 1, null);
            assertArrayEquals(prompt, java.util.Arrays.copyOf(out, 3));
            // Recompute each greedy step with a full forward over the tokens so far.
            for (int i = 3; i < out.length; i++) {
                try (var s = StepScope.open()) {
                    int[] prefix = java.util.Arrays.copyOf(out, i);
                    float[] logits = m.forward(Tensor.ofInts(be, prefix, 1, i)).toFloatArray();
                    float[] last = java.util.Arrays.copyOfRange(logits, (i - 1) * c.vocabSize(), i * c.vocabSize());
                    assertEquals(Sampler.argmax(last), out[i], "token " + i);
                }
            }
            assertTrue(out.length <= 11);
        }
    }
}
