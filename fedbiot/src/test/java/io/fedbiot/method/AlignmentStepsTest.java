package io.fedbiot.method;

import io.fedbiot.data.Batch;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Alignment steps as client steps: a non-finite step is skipped and counted, LoRA dropout follows the config. */
class AlignmentStepsTest {
    static Checkpoint ck;
    static LlamaWeights base;
    static List<Batch> batches;
    static final Split SPLIT = Split.of(Method.FEDBIOT, 5, 1, 0.5);
    static final Alignment.Settings S = new Alignment.Settings(0, 3e-3f, 0.9f, 0.95f, 0f, 1f, false, true);

    @BeforeAll
    static void load() throws Exception {
        ck = Checkpoint.load(TestData.shared("models/stories260K.bin"));
        base = ck.weights();
        int[] tokens = TestData.storyTokens();
        batches = TestData.fixed(tokens, 0, tokens.length, 3, 2, 24, 11);
    }

    @AfterAll
    static void close() {
        ck.close();
    }

    /** Adapter, emulator and the two models, fresh from fixed seeds. */
    private record Models(LoraSet adapter, LoraSet emulator, LlamaModel full, LlamaModel compressed) {
        static Models of(LoraConfig lora, Arena a) {
            LoraSet adapter = LoraSet.create(base.config(), lora, SPLIT.adapter(), Backends.java(), a, new Rng(1));
            LoraSet emulator = LoraSet.create(base.config(), lora, SPLIT.kept(), Backends.java(), a, new Rng(2));
            new Rng(3).normal(adapter.params().flat(), 0.05);
            new Rng(4).normal(emulator.params().flat(), 0.05);
            LlamaModel full = LlamaModel.full(base);
            full.attach(adapter);
            LlamaModel compressed = new LlamaModel(base, SPLIT.compressed());
            compressed.attach(adapter);
            compressed.attach(emulator);
            return new Models(adapter, emulator, full, compressed);
        }

        Alignment.Result align(List<Batch> data, Rng dropout) {
            ArrayDeque<Batch> q = new ArrayDeque<>(data);
            return Alignment.align(full, compressed, SPLIT, emulator, adapter, q::poll,
                    new Alignment.Settings(data.size(), S.lr(), S.beta1(), S.beta2(), S.weightDecay(), S.lambda(), false, true), dropout);
        }
    }

    private static LoraConfig lora(float dropout) {
        return new LoraConfig(4, 8f, dropout, EnumSet.of(LoraTarget.WQ, LoraTarget.WV));
    }

    @Test
    void aNanStepIsSkippedCountedAndLeavesNoTraceInTheOptimizer() {
        try (Arena a = Arena.ofShared()) {
            // Three steps; while the second batch is drawn the shared adapter holds a NaN, so that step's loss is NaN.
            Models poisoned = Models.of(lora(0f), a);
            float[] clean = poisoned.adapter().params().flat().toFloatArray();
            float[] bad = clean.clone();
            bad[0] = Float.NaN;
            int[] drawn = {0};
            Alignment.Result r = Alignment.align(poisoned.full(), poisoned.compressed(), SPLIT, poisoned.emulator(), poisoned.adapter(), () -> {
                int i = drawn[0]++;
                poisoned.adapter().params().flat().copyFrom(i == 1 ? bad : clean);
                return batches.get(i);
            }, new Alignment.Settings(3, S.lr(), S.beta1(), S.beta2(), S.weightDecay(), S.lambda(), false, true));
            assertEquals(1, r.nanSkipped());
            assertTrue(Double.isFinite(r.nmse()) && Double.isFinite(r.kl()), "means over the counted steps: " + r);

            // The same run without the bad batch at all: the skipped step moved neither the emulator nor AdamW's state.
            Models reference = Models.of(lora(0f), a);
            Alignment.Result ref = reference.align(List.of(batches.get(0), batches.get(2)), null);
            assertEquals(0, ref.nanSkipped());
            float[] got = poisoned.emulator().params().flat().toFloatArray(), want = reference.emulator().params().flat().toFloatArray();
            for (float v : got) assertTrue(Float.isFinite(v), "no NaN reached the emulator");
            assertArrayEquals(want, got);
            assertEquals(ref.nmse(), r.nmse(), 1e-12);
            assertEquals(ref.kl(), r.kl(), 1e-12);
        }
    }

    @Test
    void everyStepNanLeavesTheEmulatorAsItWasAndReportsNaNMeans() {
        try (Arena a = Arena.ofShared()) {
            Models m = Models.of(lora(0f), a);
            float[] poisoned = m.adapter().params().flat().toFloatArray();
            poisoned[0] = Float.POSITIVE_INFINITY; // an Inf in the shared adapter: every step's loss is non-finite
            m.adapter().params().flat().copyFrom(poisoned);
            float[] before = m.emulator().params().flat().toFloatArray();
            Alignment.Result r = m.align(batches, null);
            assertEquals(batches.size(), r.nanSkipped());
            assertTrue(Double.isNaN(r.nmse()) && Double.isNaN(r.kl()));
            assertArrayEquals(before, m.emulator().params().flat().toFloatArray());
        }
    }

    @Test
    void alignmentUsesTheConfiguredLoraDropoutAndOnlyWhileItRuns() {
        try (Arena a = Arena.ofShared()) {
            float[] off = alignedEmulator(lora(0.3f), null, a), on = alignedEmulator(lora(0.3f), new Rng(9), a);
            assertFalse(Arrays.equals(off, on), "dropout 0.3 with an RNG changes what alignment learns");
            assertArrayEquals(on, alignedEmulator(lora(0.3f), new Rng(9), a), "the same RNG seed, the same result");
            // With lora.dropout 0 the RNG has nothing to drop: as if none were given.
            assertArrayEquals(alignedEmulator(lora(0f), null, a), alignedEmulator(lora(0f), new Rng(9), a));

            Models m = Models.of(lora(0.3f), a);
            m.align(batches, new Rng(9));
            List<Batch> held = batches.subList(0, 1);
            Alignment.Result x = Alignment.measure(m.full(), m.compressed(), SPLIT, held, false, true);
            Alignment.Result y = Alignment.measure(m.full(), m.compressed(), SPLIT, held, false, true);
            assertEquals(x.nmse(), y.nmse(), 0.0, "after alignment the compressed model is out of training mode: no dropout in measuring");
        }
    }

    private static float[] alignedEmulator(LoraConfig lora, Rng dropout, Arena a) {
        Models m = Models.of(lora, a);
        m.align(batches, dropout);
        return m.emulator().params().flat().toFloatArray();
    }
}
