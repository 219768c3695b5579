package io.fedbiot.engine.optim;

import io.fedbiot.engine.Tensor;

import java.util.List;

/** Updates parameters from their accumulated gradients. Zeroing gradients stays explicit. */
public interface Optimizer {
    /** One update of every parameter from its current gradient. */
    void step();

    /** Zeroes every parameter's gradient. */
    default void zeroGrad() {
        for (Tensor p : params()) p.zeroGrad();
    }

    List<Tensor> params();

    void setLearningRate(float lr);

    float learningRate();

    static void requireGrads(List<Tensor> params) {
        for (Tensor p : params) {
            if (!p.requiresGrad() || !p.isLeaf())
                throw new IllegalArgumentException("optimizer parameter " + p + " must be a trainable leaf");
        }
    }
}
