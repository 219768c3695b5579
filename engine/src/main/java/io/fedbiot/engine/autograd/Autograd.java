package io.fedbiot.engine.autograd;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Scratch;
import io.fedbiot.engine.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reverse-mode autograd over the tape of coarse ops. A node is recorded only when an input
 * requires a gradient, so frozen sub-graphs leave nothing on the tape; backward then visits only
 * the nodes on a path from a trainable tensor to the loss.
 *
 * <p>Memory: a node holds only the tensors it declares as saved, and lets go of them right after
 * its backward; an intermediate gradient is freed as soon as the node that consumes it ran. With
 * the model's temporaries in {@link Scratch} scopes, the backward pass gives back memory layer by
 * layer instead of at the end of the step.
 */
public final class Autograd {
    private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final AtomicLong NODES_RUN = new AtomicLong();

    private Autograd() {}

    /** A scope whose close throws nothing. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** While open, ops record nothing (inference, teacher passes). */
    public static Scope noGrad() {
        int[] depth = NO_GRAD_DEPTH.get();
        depth[0]++;
        return once(() -> depth[0]--);
    }

    /** A scope that runs {@code onClose} the first time it is closed. */
    private static Scope once(Runnable onClose) {
        return new Scope() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    onClose.run();
                }
            }
        };
    }

    public static boolean gradEnabled() {
        return NO_GRAD_DEPTH.get()[0] == 0;
    }

    /**
     * While open, exactly {@code leaves} require gradients on this thread (the training step's
     * targets: the server's emulator LoRA, a client's adapter); closing restores the previous
     * targets. The tensors themselves are not changed.
     */
    public static Scope targets(Iterable<Tensor> leaves) {
        return once(Tensor.setTargets(leaves));
    }

    /** True when an op over these inputs must record a node. */
    public static boolean needsGrad(Tensor... inputs) {
        if (!gradEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /**
     * Records {@code out} as produced by {@code op} from {@code inputs} when any input requires a
     * gradient; returns {@code out}. {@code saved} lists every tensor whose buffer the backward
     * reads (inputs, out itself, auxiliary outputs); the node keeps exactly those alive.
     */
    public static Tensor record(String op, Tensor out, Tensor[] inputs, Tensor[] saved, Node.Backward backward) {
        if (needsGrad(inputs)) out.setNode(new Node(op, inputs, saved, backward));
        return out;
    }

    /** Backward node invocations since start (for tests and profiling). */
    public static long nodesRun() {
        return NODES_RUN.get();
    }

    /**
     * Accumulates d(loss)/d(t) into {@code t.grad()} for every tensor t that requires a gradient
     * and that the loss depends on. Each node's saved tensors and output gradient are freed right
     * after it ran, so a graph goes backward once: run the forward again for another backward.
     */
    public static void backward(Tensor loss) {
        if (loss.numel() != 1 || loss.dtype() != DType.F32)
            throw new IllegalArgumentException("backward needs a one-element F32 loss, got " + loss);
        if (!loss.requiresGrad())
            throw new IllegalStateException("the loss does not depend on any tensor that requires a gradient");
        List<Tensor> order = topoOrder(loss);
        for (Tensor t : order)
            if (node(t).ran())
                throw new IllegalStateException("backward already ran through '" + t.node() + "' producing " + t
                        + ": its saved tensors are freed; run the forward again");
        Set<Tensor> ours = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Tensor seed = gradOf(loss, ours);
        loss.backend().fill(seed.buf(), 1, 1f);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor out = order.get(i);
            Node node = node(out);
            Tensor[] inputs = node.inputs();
            Tensor[] gradIn = new Tensor[inputs.length];
            for (int j = 0; j < inputs.length; j++)
                if (inputs[j] != null && inputs[j].requiresGrad()) gradIn[j] = gradOf(inputs[j], ours);
            try (var temps = Scratch.open()) {   // what the backward allocates for itself
                node.runBackward(out.grad(), gradIn);
            }
            node.markRan();
            // Every consumer of out ran before its producer: out's gradient is complete and used.
            Tensor g = out.grad();
            out.setGrad(null);
            if (ours.remove(out)) g.storage().release();
            NODES_RUN.incrementAndGet();
        }
    }

    private static Node node(Tensor t) {
        return (Node) t.node();
    }

    /** Allocates a zero gradient next to t when it has none yet; non-leaf ones go into {@code ours}. */
    private static Tensor gradOf(Tensor t, Set<Tensor> ours) {
        Tensor g = t.grad();
        if (g == null) {
            g = Tensor.gradientFor(t);
            t.setGrad(g);
            if (!t.isLeaf()) ours.add(t);
        }
        return g;
    }

    /** Nodes' outputs in topological order (inputs before outputs), iterative DFS from the loss. */
    private static List<Tensor> topoOrder(Tensor loss) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[]{loss, 0});
        seen.put(loss, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            Tensor[] inputs = node(t).inputs();
            int next = (Integer) frame[1];
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && in.node() != null && seen.put(in, Boolean.TRUE) == null)
                    stack.push(new Object[]{in, 0});
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
