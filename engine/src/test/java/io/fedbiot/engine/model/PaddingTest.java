package io.fedbiot.engine.model;

import io.fedbiot.engine.Losses;
import io.fedbiot.engine.Ops;
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

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;

/**
 * Sequences of different lengths are batched by padding on the right; causal attention never
 * lets a real token see a pad, and the loss mask drops the pads. The padded batch must give the
 * loss and gradients of the sequences run one by one.
 */
class PaddingTest {
    final Backend be = Backends.java();
    final LlamaConfig c = new LlamaConfig(32, 48, 2, 4, 2, 50, 16, 10000f, 1e-5f, true, RopeStyle.HALF_SPLIT);

    @Test
    void aRightPaddedBatchEqualsTheSequencesAlone() {
        int[][] seqs = {{1, 7, 9, 22, 3, 41, 8, 2}, {1, 30, 12, 5, 2}};
        int T = 8;
        try (Arena a = Arena.ofShared()) {
            LlamaModel m = LlamaModel.full(LlamaWeights.random(c, be, a, 1));
            LoraSet lora = LoraSet.create(c, new LoraConfig(4, 8f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)),
                    new int[]{0, 1}, be, a, new Rng(2));
            new Rng(3).normal(lora.params().flat(), 0.2);
            lora.params().targets().forEach(p -> p.requiresGrad(true)); // this test owns them: trainable for good
            m.attach(lora);

            // Padded batch: inputs s[0..n-2], targets s[1..n-1], pads (id 0) masked out.
            int[] ids = new int[2 * T], tgt = new int[2 * T];
            float[] mask = new float[2 * T];
            int tokens = 0;
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < seqs[b].length - 1; t++) {
                    ids[b * T + t] = seqs[b][t];
                    tgt[b * T + t] = seqs[b][t + 1];
                    mask[b * T + t] = 1;
                    tokens++;
                }
            float batched;
            float[] gBatched;
            try (var s = StepScope.open()) {
                Tensor loss = Losses.crossEntropy(m.forward(Tensor.ofInts(be, ids, 2, T)), Tensor.ofInts(be, tgt, 2, T),
                        Tensor.of(be, mask, 2, T));
                Autograd.backward(loss);
                batched = loss.item();
                gBatched = lora.params().grads().toFloatArray();
            }
            lora.params().zeroGrad();

            // One by one, each loss weighted by its share of the tokens: the same mean.
            double alone = 0;
            try (var s = StepScope.open()) {
                Tensor total = null;
                for (int[] seq : seqs) {
                    int n = seq.length - 1;
                    Tensor loss = Losses.crossEntropy(m.forward(Tensor.ofInts(be, java.util.Arrays.copyOf(seq, n), 1, n)),
                            Tensor.ofInts(be, java.util.Arrays.copyOfRange(seq, 1, n + 1), 1, n), null);
                    Tensor part = Ops.scale(loss, (float) n / tokens);
                    total = total == null ? part : Ops.add(total, part);
                }
                Autograd.backward(total);
                alone = total.item();
            }
            assertClose("loss", alone, batched, 1e-5, 1e-6);
            assertClose("LoRA gradients", toDouble(lora.params().grads().toFloatArray()), gBatched, 1e-3, 1e-6);
        }
    }
}
