package io.fedbiot.engine.model;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a step keeps alive, measured by the step pool's peak: training keeps per layer exactly the
 * tensors its backward reads, nothing is left once backward ran, and inference or frozen layers
 * below a LoRA-tuned one hold no more than one layer's working set whatever the depth.
 */
class ActivationMemoryTest {
    static final int C = 16, F = 24, H = 4, G = 2, V = 19, B = 2, T = 8;
    final Backend be = Backends.java();

    static LlamaConfig config(int layers) {
        return new LlamaConfig(C, F, layers, H, G, V, 16, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
    }

    /** {peak pooled bytes, pooled bytes alive after the step's work}; mode full, lora-top or forward. */
    long[] step(int layers, String mode) {
        try (Arena a = Arena.ofShared()) {
            LlamaConfig c = config(layers);
            LlamaWeights w = LlamaWeights.random(c, be, a, 3);
            LlamaModel m = LlamaModel.full(w);
            if (mode.equals("full")) for (Tensor t : w.toTensors().values()) t.requiresGrad(true);
            if (mode.equals("lora-top")) {
                LoraSet top = LoraSet.create(c, new LoraConfig(2, 4f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)),
                        new int[]{layers - 1}, be, a, new Rng(4));
                top.params().targets().forEach(p -> p.requiresGrad(true)); // this test owns them: trainable for good
                m.attach(top);
            }
            Random r = new Random(5);
            try (var s = StepScope.open()) {
                Tensor ids = Tensor.ofInts(be, r.ints(B * T, 0, V).toArray(), B, T);
                Tensor tg = Tensor.ofInts(be, r.ints(B * T, 0, V).toArray(), B, T);
                long inputs = s.liveBytes();
                if (mode.equals("forward")) {
                    try (var ng = Autograd.noGrad()) {
                        m.forward(ids).release();
                    }
                } else {
                    Autograd.backward(m.loss(ids, tg, null));
                }
                return new long[]{s.peakBytes(), s.liveBytes() - inputs};
            }
        }
    }

    @Test
    void trainingKeepsPerLayerWhatBackwardReads() {
        // x, xn, q, attention out, the residual, hn: 6C; k and v: 2 (G*D); the two SwiGLU inputs;
        // two rstd and the attention lse (H per token). The SwiGLU product is recomputed.
        int kv = G * (C / H);
        long perLayer = 4L * B * T * (6 * C + 2 * kv + 2 * F + 2 + H);
        long[] two = step(2, "full"), four = step(4, "full");
        assertEquals(2 * perLayer, four[0] - two[0], "peak bytes per extra layer");
        assertEquals(4, two[1], "only the loss may be alive after backward");
        assertEquals(4, four[1], "only the loss may be alive after backward");
    }

    @Test
    void frozenLayersBelowTheAdapterKeepNothing() {
        long[] shallow = step(2, "lora-top"), deep = step(6, "lora-top");
        assertEquals(shallow[0], deep[0], "peak bytes with 1 vs 5 frozen layers below the LoRA layer");
        assertEquals(4, deep[1]);
    }

    @Test
    void inferenceHoldsOneLayerWhateverTheDepth() {
        long[] shallow = step(1, "forward"), deep = step(7, "forward");
        assertEquals(shallow[0], deep[0], "peak bytes of a 1- and a 7-layer forward");
        assertEquals(0, deep[1]);
    }
}
