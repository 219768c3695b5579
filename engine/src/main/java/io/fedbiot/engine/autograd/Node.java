package io.fedbiot.engine.autograd;

import io.fedbiot.engine.Tensor;

/**
 * One coarse op on the tape: its inputs, the tensors its backward reads (saved, each holding its
 * memory until the backward ran, and handed to the backward: saved once, not also captured) and
 * how to push the output's gradient back into the inputs.
 * {@code gradIn[i]} is null when input i needs no gradient: the op skips that work.
 */
public final class Node implements Tensor.Producer {
    @FunctionalInterface
    public interface Backward {
        /** {@code saved} is what the op declared saved, in its order (an entry may be null). */
        void apply(Tensor gradOut, Tensor[] gradIn, Tensor[] saved);
    }

    private final String op;
    private final Tensor[] inputs;
    private Tensor[] saved;
    private final Backward backward;
    private boolean ran;

    Node(String op, Tensor[] inputs, Tensor[] saved, Backward backward) {
        this.op = op;
        this.inputs = inputs;
        this.saved = saved;
        this.backward = backward;
        for (Tensor t : saved) if (t != null) t.storage().retain();
    }

    @Override
    public String op() {
        return op;
    }

    Tensor[] inputs() {
        return inputs;
    }

    /** Runs the backward with this node's saved tensors. */
    void runBackward(Tensor gradOut, Tensor[] gradIn) {
        backward.apply(gradOut, gradIn, saved);
    }

    boolean ran() {
        return ran;
    }

    /** After the backward: the saved tensors are no longer needed by this node. */
    void markRan() {
        ran = true;
        for (Tensor t : saved) if (t != null) t.storage().release();
        saved = new Tensor[0];
    }

    @Override
    public String toString() {
        return op;
    }
}
