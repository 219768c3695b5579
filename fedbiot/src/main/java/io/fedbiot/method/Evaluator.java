package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.kernels.Backend;

import java.util.List;

/** Response-token loss and perplexity of a model on held-out batches. */
public final class Evaluator {
    public record Score(double loss, long tokens) {
        public double perplexity() {
            return Math.exp(loss);
        }
    }

    private Evaluator() {}

    public static Score loss(LlamaModel model, List<Batch> batches) {
        Backend be = model.backend();
        double sum = 0;
        long tokens = 0;
        for (Batch b : batches) {
            int n = b.maskedTargets();
            if (n == 0) continue;
            try (var s = StepScope.open(); var ng = Autograd.noGrad()) {
                Tensor ce = model.loss(Tensor.ofInts(be, b.inputs(), b.batch(), b.seqLen()),
                        Tensor.ofInts(be, b.targets(), b.batch(), b.seqLen()), Tensor.of(be, b.mask(), b.batch(), b.seqLen()));
                sum += (double) ce.item() * n;
                tokens += n;
            }
        }
        return new Score(tokens == 0 ? Double.NaN : sum / tokens, tokens);
    }
}
