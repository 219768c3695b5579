package io.fedbiot.engine.optim;

import io.fedbiot.engine.DType;
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

    /** Parameters are F32 leaves; whether they train is the step's choice (Autograd.targets), not the optimizer's. */
    static void requireLeaves(List<Tensor> params) {
        for (Tensor p : params) {
            if (!p.isLeaf() || p.dtype() != DType.F32)
                throw new IllegalArgumentException("optimizer parameter " + p + " must be an F32 leaf");
        }
    }
}
