package io.fedbiot.engine.autograd;

import io.fedbiot.engine.Tensor;

/**
 * One coarse op on the tape: its inputs and how to push the output's gradient back into them.
 * {@code gradIn[i]} is null when input i needs no gradient: the op skips that work.
 */
public final class Node {
    @FunctionalInterface
    public interface Backward {
        void apply(Tensor gradOut, Tensor[] gradIn);
    }

    private final String op;
    private final Tensor[] inputs;
    private final Backward backward;

    Node(String op, Tensor[] inputs, Backward backward) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
    }

    public String op() {
        return op;
    }

    Tensor[] inputs() {
        return inputs;
    }

    Backward backward() {
        return backward;
    }

    @Override
    public String toString() {
        return op;
    }
}
