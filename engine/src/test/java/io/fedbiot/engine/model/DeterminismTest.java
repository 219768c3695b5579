package io.fedbiot.engine.model;

import io.fedbiot.engine.Losses;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.RopeStyle;
import io.fedbiot.kernels.jvm.JavaBackend;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** A training step gives the same bits every time and on any thread count: seeded runs repeat exactly. */
class DeterminismTest {
    static final LlamaConfig C = new LlamaConfig(96, 256, 3, 6, 2, 300, 64, 10000f, 1e-5f, false, RopeStyle.INTERLEAVED);

    static float[] gradients(Backend be) {
        Random r = new Random(5);
        int B = 4, T = 48;
        int[] ids = r.ints(B * T, 0, C.vocabSize()).toArray(), targets = r.ints(B * T, 0, C.vocabSize()).toArray();
        try (Arena a = Arena.ofShared(); var s = StepScope.open()) {
            LlamaWeights w = LlamaWeights.random(C, be, a, 3);
            w.toTensors().values().forEach(t -> t.requiresGrad(true));
            LoraSet lora = LoraSet.create(C, new LoraConfig(4, 8f, 0.1f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)),
                    new int[]{1, 2}, be, a, new Rng(4));
            new Rng(6).normal(lora.params().flat(), 0.1);
            LlamaModel m = LlamaModel.full(w);
            m.attach(lora);
            m.setTraining(new Rng(7)); // LoRA dropout on: its masks are seeded too
            Tensor loss = Losses.crossEntropy(m.forward(Tensor.ofInts(be, ids, B, T)), Tensor.ofInts(be, targets, B, T), null);
            Autograd.backward(loss);
            float[] g = lora.params().grads().toFloatArray();
            float[] all = new float[g.length + 3];
            System.arraycopy(g, 0, all, 0, g.length);
            all[g.length] = loss.item();
            all[g.length + 1] = w.tokEmbeddings().grad().toFloatArray()[17];
            all[g.length + 2] = w.layers().get(0).wq().grad().toFloatArray()[5];
            return all;
        }
    }

    @Test
    void aStepRepeatsBitForBit() {
        float[] first = gradients(Backends.java());
        assertArrayEquals(first, gradients(Backends.java()), "same thread count, second run");
        assertArrayEquals(first, gradients(new JavaBackend(1)), "one thread");
        assertArrayEquals(first, gradients(new JavaBackend(3)), "three threads");
    }
}
