package io.fedbiot.engine.model;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Linalg;
import io.fedbiot.engine.Losses;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.SharedData;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.cuda.CudaProbe;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The frozen base in bf16 on the GPU (DeviceWeights.toDevice with bf16): logits and LoRA
 * gradients of stories260K agree with the float32 base within bf16's precision, and the base takes
 * less device memory. Off the GPU, a bf16 weight is refused with a clear message.
 */
class Bf16BaseTest {
    @Test
    void bf16WeightsOnTheJavaBackendAreRefusedByName() {
        Backend be = Backends.java();
        try (Arena arena = Arena.ofShared(); var s = StepScope.open()) {
            Tensor w = Tensor.zeros(be, DType.BF16, arena, 4, 3), x = Tensor.zeros(be, 2, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Linalg.linear(x, w));
            assertTrue(e.getMessage().contains("cuda"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> DeviceWeights.toDevice(
                    LlamaWeights.random(new LlamaConfig(8, 16, 1, 2, 2, 16, 8, 10000f, 1e-5f, true, io.fedbiot.kernels.RopeStyle.INTERLEAVED),
                            be, arena, 1), be, arena, true));
        }
    }

    static double relL2(float[] a, float[] b) {
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (double) (a[i] - b[i]) * (a[i] - b[i]);
            n += (double) b[i] * b[i];
        }
        return Math.sqrt(d / n);
    }

    @Test
    void bf16BaseMatchesTheFloat32BaseOnTheGpu() throws Exception {
        CudaProbe p = CudaProbe.get();
        assumeTrue(p.usable(), () -> "no usable GPU, the bf16 base test is skipped: " + p.reason());
        Backend cuda = Backends.cuda();
        int[] ids = {1, 403, 407, 261, 378, 429, 259, 274, 306, 289, 268, 283, 261, 378, 429, 259};
        int B = 1, T = ids.length - 1;
        try (Checkpoint ck = Checkpoint.load(SharedData.model("stories260K.bin"));
             Arena f32Arena = Arena.ofShared(); Arena bf16Arena = Arena.ofShared(); Arena lora = Arena.ofShared()) {
            long before = cuda.liveBytes();
            LlamaWeights f32 = DeviceWeights.toDevice(ck.weights(), cuda, f32Arena, false);
            long f32Bytes = cuda.liveBytes() - before;
            LlamaWeights bf16 = DeviceWeights.toDevice(ck.weights(), cuda, bf16Arena, true);
            long bf16Bytes = cuda.liveBytes() - before - f32Bytes;
            assertTrue(bf16Bytes < f32Bytes * 0.8, "bf16 base " + bf16Bytes + " bytes vs f32 " + f32Bytes);
            float[][] logits = new float[2][], grads = new float[2][];
            LlamaWeights[] bases = {f32, bf16};
            for (int i = 0; i < 2; i++) {
                LlamaModel model = LlamaModel.full(bases[i]);
                LoraSet set = LoraSet.create(ck.config(), new LoraConfig(4, 8f, 0f, EnumSet.allOf(LoraTarget.class)),
                        new int[]{3, 4}, cuda, lora, new Rng(5));
                model.attach(set);
                try (var s = StepScope.open()) {
                    Tensor out = model.forward(Tensor.ofInts(cuda, java.util.Arrays.copyOf(ids, T), B, T));
                    Tensor loss = Losses.crossEntropy(out, Tensor.ofInts(cuda, java.util.Arrays.copyOfRange(ids, 1, T + 1), B, T), null);
                    Autograd.backward(loss);
                    logits[i] = out.toFloatArray();
                    grads[i] = set.params().flat().grad().toFloatArray();
                }
            }
            assertTrue(relL2(logits[1], logits[0]) < 2e-2, "logits differ by " + relL2(logits[1], logits[0]));
            assertTrue(relL2(grads[1], grads[0]) < 5e-2, "LoRA gradients differ by " + relL2(grads[1], grads[0]));
        }
    }
}
