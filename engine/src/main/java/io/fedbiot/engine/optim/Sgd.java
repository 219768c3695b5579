package io.fedbiot.engine.optim;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.SgdStep;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/** SGD with optional momentum and (coupled) weight decay. */
public final class Sgd implements Optimizer {
    private final List<Tensor> params;
    private final List<Tensor> buf = new ArrayList<>();
    private final float momentum, weightDecay;
    private float lr;

    public Sgd(List<Tensor> params, Arena arena, float lr, float momentum, float weightDecay) {
        Optimizer.requireLeaves(params);
        this.params = List.copyOf(params);
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        for (Tensor p : params)
            buf.add(momentum == 0f ? null : Tensor.zeros(p.backend(), DType.F32, arena, p.shape()));
    }

    @Override
    public void step() {
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p.grad() == null) continue;
            Tensor b = buf.get(i);
            p.backend().sgd(new SgdStep(lr, momentum, weightDecay), p.buf(), p.grad().buf(), b == null ? null : b.buf(), p.numel());
        }
    }

    @Override public List<Tensor> params() { return params; }
    @Override public void setLearningRate(float lr) { this.lr = lr; }
    @Override public float learningRate() { return lr; }
}
