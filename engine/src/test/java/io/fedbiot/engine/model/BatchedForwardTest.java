package io.fedbiot.engine.model;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.RopeStyle;
import io.fedbiot.kernels.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;

/**
 * The cached forwards that generation uses, against feeding one token at a time (the path
 * llama2.c takes): a prompt in one forward, a chunk at a nonzero position, and B rows at
 * different positions with their own caches in one batched step.
 */
class BatchedForwardTest {
    static List<Backend> backends() {
        List<Backend> out = new ArrayList<>(List.of(Backends.java()));
        CpuBackend.best().ifPresent(out::add);
        return out;
    }

    /** Random weights (norms away from 1) and a LoRA set on layer 1 with nonzero B, so the adapter path counts. */
    static LlamaModel model(Backend be, Arena a) {
        LlamaConfig c = new LlamaConfig(16, 24, 2, 4, 2, 19, 32, 10000f, 1e-5f, false, RopeStyle.HALF_SPLIT);
        LlamaWeights w = LlamaWeights.random(c, Backends.java(), a, 7);
        Rng rng = new Rng(8);
        for (var e : w.toTensors().entrySet()) {
            if (e.getKey().endsWith("norm")) rng.uniform(e.getValue(), 0.6, 1.4);
            else rng.normal(e.getValue(), 0.3);
        }
        LlamaModel m = LlamaModel.full(w.on(be, a));
        LoraSet lora = LoraSet.create(c, new LoraConfig(2, 4f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV, LoraTarget.W2)),
                new int[]{1}, Backends.java(), a, new Rng(9));
        new Rng(10).normal(lora.params().flat(), 0.3);
        m.attach(lora.on(be, a));
        return m;
    }

    /** Logits after each token fed alone at positions 0..n-1. */
    static float[][] oneByOne(LlamaModel m, int[] ids, Arena a) {
        KvCache cache = m.newCache(ids.length, a);
        float[][] out = new float[ids.length][];
        for (int pos = 0; pos < ids.length; pos++)
            try (var s = StepScope.open()) {
                out[pos] = m.forwardCached(new int[]{ids[pos]}, pos, cache).toFloatArray();
            }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aPromptInOneForwardGivesTheLogitsOfOneTokenAtATime(Backend be) {
        try (Arena a = Arena.ofShared()) {
            LlamaModel m = model(be, a);
            int[] ids = new Random(1).ints(13, 0, m.config().vocabSize()).toArray();
            float[][] ref = oneByOne(m, ids, a);
            KvCache whole = m.newCache(ids.length, a), chunked = m.newCache(ids.length, a);
            try (var s = StepScope.open()) {
                assertClose("whole prompt", toDouble(ref[12]), m.forwardCached(ids, 0, whole).toFloatArray(), 1e-4, 1e-4);
                // Chunks at nonzero positions: 0..3, 4..8, then 9..12.
                m.forwardCached(Arrays.copyOfRange(ids, 0, 4), 0, chunked);
                assertClose("chunk at 4", toDouble(ref[8]), m.forwardCached(Arrays.copyOfRange(ids, 4, 9), 4, chunked).toFloatArray(), 1e-4, 1e-4);
                assertClose("chunk at 9", toDouble(ref[12]), m.forwardCached(Arrays.copyOfRange(ids, 9, 13), 9, chunked).toFloatArray(), 1e-4, 1e-4);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aBatchedStepGivesEachRowItsOwnLogits(Backend be) {
        try (Arena a = Arena.ofShared()) {
            LlamaModel m = model(be, a);
            int V = m.config().vocabSize();
            Random r = new Random(2);
            int[] lengths = {1, 5, 2, 9, 3, 7};   // rows at different positions: different cache lengths
            int B = lengths.length;
            int[][] ids = new int[B][];
            KvCache[] caches = new KvCache[B];
            int[] last = new int[B], pos = new int[B];
            for (int b = 0; b < B; b++) {
                ids[b] = r.ints(lengths[b] + 1, 0, V).toArray();
                caches[b] = m.newCache(lengths[b] + 1, a);
                try (var s = StepScope.open()) {
                    m.forwardCached(Arrays.copyOf(ids[b], lengths[b]), 0, caches[b]);
                }
                last[b] = ids[b][lengths[b]];
                pos[b] = lengths[b];
            }
            try (var s = StepScope.open()) {
                float[] batched = m.forwardCached(last, pos, caches).toFloatArray();
                for (int b = 0; b < B; b++) {
                    float[] ref = oneByOne(m, ids[b], a)[lengths[b]];
                    assertClose("row " + b, toDouble(ref), Arrays.copyOfRange(batched, b * V, (b + 1) * V), 1e-4, 1e-4);
                }
            }
        }
    }
}
