package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.Ops;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.optim.AdamW;
import io.fedbiot.engine.optim.GradClip;
import io.fedbiot.kernels.Backend;

import java.lang.foreign.Arena;

/**
 * The upper level (ALGORITHM.md §5): K local AdamW steps on the adapter's LoRA with CE on
 * response tokens plus ε times the proximal term; a fresh optimizer every round; a batch whose
 * loss or gradient is not finite is skipped and counted. Only the adapter requires gradients, so
 * FedBiOT's backward stops at its top adapter, while FedOT's bottom adapter pulls it through the
 * emulator.
 */
public final class ClientTrainer {
    public record Settings(int steps, float lr, float beta1, float beta2, float weightDecay, float epsilon) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("local steps must be >= 1, got " + steps);
            if (!(lr > 0)) throw new IllegalArgumentException("client learning rate must be > 0, got " + lr);
            if (epsilon < 0) throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
        }
    }

    /** samples: rows processed in the steps that counted; meanLoss: their average CE; tokens: B·T summed. */
    public record Result(long samples, int nanSkipped, double meanLoss, int steps, long tokens, int seqLen) {}

    private ClientTrainer() {}

    public static Result train(LlamaModel model, LoraSet adapter, LoraSet anchor, BatchSource data, Settings s, Rng rng) {
        Backend be = model.backend();
        adapter.params().zeroGrad();
        model.setTraining(rng);
        long samples = 0, tokens = 0;
        int skipped = 0, counted = 0, seqLen = 0;
        double lossSum = 0;
        try (Arena state = Arena.ofShared(); var targets = Autograd.targets(adapter.params().targets())) {   // the adapter only
            AdamW opt = new AdamW(adapter.params().asList(), state, s.lr(), s.beta1(), s.beta2(), AdamW.EPS, s.weightDecay());
            for (int step = 0; step < s.steps(); step++) {
                Batch b = data.next();
                try (var scope = StepScope.open()) {
                    Tensor ids = Tensor.ofInts(be, b.inputs(), b.batch(), b.seqLen());
                    Tensor ce = model.loss(ids, Tensor.ofInts(be, b.targets(), b.batch(), b.seqLen()),   // no [B,T,V] logits
                            Tensor.of(be, b.mask(), b.batch(), b.seqLen()));
                    Tensor loss = s.epsilon() > 0 ? Ops.add(ce, Ops.scale(LoraProximal.term(adapter, anchor), s.epsilon())) : ce;
                    float ceValue = ce.item();
                    if (!Float.isFinite(loss.item())) {
                        skipped++;
                        continue;
                    }
                    Autograd.backward(loss);
                    if (!Double.isFinite(GradClip.globalNorm(adapter.params().asList()))) {
                        adapter.params().zeroGrad();
                        skipped++;
                        continue;
                    }
                    opt.step();
                    adapter.params().zeroGrad();
                    lossSum += ceValue;
                    counted++;
                    samples += b.batch();
                    tokens += (long) b.batch() * b.seqLen();
                    seqLen = Math.max(seqLen, b.seqLen());
                }
            }
        } finally {
            model.setTraining(null);
        }
        return new Result(samples, skipped, counted == 0 ? Double.NaN : lossSum / counted, counted, tokens, seqLen);
    }
}
