package io.fedbiot.engine.model;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.HfNames;
import io.fedbiot.engine.io.LlamaTensors;
import io.fedbiot.engine.model.ModelShapes;
import io.fedbiot.engine.io.RandomCheckpointWriter;
import io.fedbiot.engine.io.RandomWeights;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** make-checkpoint's writer → HF reader → forward, against the float64 twin fed straight from the generator. */
class RandomCheckpointForwardTest {
    static final LlamaConfig C = ModelShapes.get("test-tiny");
    static final int[] IDS = {1, 57, 300, 4, 128, 499, 42, 7};

    static float[] logits(Path dir) throws Exception {
        try (Checkpoint ck = Checkpoint.load(dir); var s = StepScope.open(); var ng = Autograd.noGrad()) {
            return LlamaModel.full(ck.weights()).forward(Tensor.ofInts(Backends.java(), IDS, 1, IDS.length)).toFloatArray();
        }
    }

    @Test
    void writtenCheckpointRunsAndMatchesTheReference(@TempDir Path tmp) throws Exception {
        long seed = 11;
        Path f32 = tmp.resolve("f32"), bf16 = tmp.resolve("bf16");
        RandomCheckpointWriter.write(RandomCheckpointWriter.plan(C, DType.F32, 50_000), seed, f32, b -> {});
        RandomCheckpointWriter.write(RandomCheckpointWriter.plan(C, DType.BF16, 50_000), seed, bf16, b -> {});
        Map<String, double[]> p = new HashMap<>();
        for (var e : LlamaTensors.expected(C).entrySet()) {
            double[] v = new double[(int) Tensor.numel(e.getValue())];
            long key = RandomWeights.key(seed, HfNames.of(e.getKey()));
            for (int i = 0; i < v.length; i++)
                v[i] = e.getKey().endsWith("norm") ? 1 : RandomWeights.value(key, i, RandomCheckpointWriter.STD);
            p.put(e.getKey(), v);
        }
        double[] ref = RefLlama.forward(C, p, EnumSet.noneOf(LoraTarget.class), 1, IDS, 1, IDS.length);
        float[] got = logits(f32);
        assertEquals(IDS.length * C.vocabSize(), got.length);
        assertClose("f32 logits", ref, got, 1e-5, 1e-4);
        // bf16 rounds every weight by up to 2^-9 relative: the logits move, but only that much.
        float[] half = logits(bf16);
        double maxRef = 0;
        for (double r : ref) maxRef = Math.max(maxRef, Math.abs(r));
        for (int i = 0; i < half.length; i++) {
            assertTrue(Float.isFinite(half[i]));
            assertEquals(ref[i], half[i], 0.02 * maxRef + 1e-4, "bf16 logit " + i);
        }
        assertFalse(java.util.Arrays.equals(got, half), "bf16 rounding changes nothing?");
    }
}
