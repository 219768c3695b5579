package io.fedbiot.engine.optim;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.AdamWStep;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/** AdamW (Loshchilov & Hutter): decoupled weight decay, bias-corrected moments. */
public final class AdamW implements Optimizer {
    /** The ε every trainer of this project uses (client, server alignment, pretraining): 1e-8, as PyTorch's default. */
    public static final float EPS = 1e-8f;

    private final List<Tensor> params;
    private final List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
    private final float beta1, beta2, eps, weightDecay;
    private float lr;
    private int t;

    /** Moments live in {@code arena}; a fresh optimizer starts them at zero. */
    public AdamW(List<Tensor> params, Arena arena, float lr, float beta1, float beta2, float eps, float weightDecay) {
        Optimizer.requireLeaves(params);
        this.params = List.copyOf(params);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Tensor p : params) {
            m.add(Tensor.zeros(p.backend(), DType.F32, arena, p.shape()));
            v.add(Tensor.zeros(p.backend(), DType.F32, arena, p.shape()));
        }
    }

    @Override
    public void step() {
        t++;
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p.grad() == null) continue; // untouched by backward: nothing to apply
            p.backend().adamw(new AdamWStep(lr, beta1, beta2, eps, weightDecay, t), p.buf(), p.grad().buf(), m.get(i).buf(),
                    v.get(i).buf(), p.numel());
        }
    }

    /** Steps taken so far. */
    public int steps() {
        return t;
    }

    @Override public List<Tensor> params() { return params; }
    @Override public void setLearningRate(float lr) { this.lr = lr; }
    @Override public float learningRate() { return lr; }
}
