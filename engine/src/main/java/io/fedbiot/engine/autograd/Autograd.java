package io.fedbiot.engine.autograd;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reverse-mode autograd over the tape of coarse ops. A node is recorded only when an input
 * requires a gradient, so frozen sub-graphs leave nothing on the tape; backward then visits only
 * the nodes on a path from a trainable tensor to the loss.
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
        return new Scope() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    depth[0]--;
                }
            }
        };
    }

    public static boolean gradEnabled() {
        return NO_GRAD_DEPTH.get()[0] == 0;
    }

    /** True when an op over these inputs must record a node. */
    public static boolean needsGrad(Tensor... inputs) {
        if (!gradEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /**
     * Records {@code out} as produced by {@code op} from {@code inputs} when any input requires a
     * gradient; returns {@code out}.
     */
    public static Tensor record(String op, Tensor out, Tensor[] inputs, Node.Backward backward) {
        if (needsGrad(inputs)) out.setNode(new Node(op, inputs, backward));
        return out;
    }

    /** Backward node invocations since start (for tests and profiling). */
    public static long nodesRun() {
        return NODES_RUN.get();
    }

    /**
     * Accumulates d(loss)/d(t) into {@code t.grad()} for every tensor t that requires a gradient
     * and that the loss depends on. Intermediate gradients are dropped afterwards, so the graph
     * can be run backward again only after a new forward.
     */
    public static void backward(Tensor loss) {
        if (loss.numel() != 1 || loss.dtype() != DType.F32)
            throw new IllegalArgumentException("backward needs a one-element F32 loss, got " + loss);
        if (!loss.requiresGrad())
            throw new IllegalStateException("the loss does not depend on any tensor that requires a gradient");
        List<Tensor> order = topoOrder(loss);
        Tensor seed = gradOf(loss);
        loss.backend().fill(seed.buf(), 1, 1f);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor out = order.get(i);
            Node node = out.node();
            Tensor[] inputs = node.inputs();
            Tensor[] gradIn = new Tensor[inputs.length];
            for (int j = 0; j < inputs.length; j++)
                if (inputs[j] != null && inputs[j].requiresGrad()) gradIn[j] = gradOf(inputs[j]);
            node.backward().apply(out.grad(), gradIn);
            NODES_RUN.incrementAndGet();
        }
        // Free intermediate gradients: a second backward over this graph would double count.
        for (Tensor t : order) t.setGrad(null);
    }

    /** Allocates a zero gradient next to t when it has none yet. */
    private static Tensor gradOf(Tensor t) {
        Tensor g = t.grad();
        if (g == null) {
            g = Tensor.zeros(t.backend(), DType.F32, t.arena(), t.shape());
            t.setGrad(g);
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
            Tensor[] inputs = t.node().inputs();
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
