package io.fedbiot.engine.autograd;

import io.fedbiot.engine.CountingBackend;
import io.fedbiot.engine.Linalg;
import io.fedbiot.engine.Nn;
import io.fedbiot.engine.Ops;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.jvm.JavaBackend;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static io.fedbiot.kernels.testing.KernelTesting.randn;
import static org.junit.jupiter.api.Assertions.*;

class AutogradTest {
    final CountingBackend counting = new CountingBackend(Backends.java());
    final Backend be = counting.backend();
    final Random r = new Random(3);

    Tensor param(int... shape) {
        Tensor t = Tensor.zeros(be, shape);
        t.copyFrom(randn(r, Math.toIntExact(t.numel()), 0.5));
        return t.requiresGrad(true);
    }

    Tensor input(int... shape) {
        Tensor t = Tensor.zeros(be, shape);
        t.copyFrom(randn(r, Math.toIntExact(t.numel()), 1));
        return t;
    }

    @Test
    void requiresGradPropagatesOnlyFromTrainableInputs() {
        try (var s = StepScope.open()) {
            Tensor w = param(4, 3), frozen = input(4, 3), x = input(2, 3);
            assertTrue(Linalg.linear(x, w).requiresGrad());
            Tensor f = Linalg.linear(x, frozen);
            assertFalse(f.requiresGrad());
            assertNull(f.node(), "a frozen op must leave nothing on the tape");
        }
    }

    @Test
    void frozenBranchCostsNoBackwardWork() {
        try (var s = StepScope.open()) {
            Tensor x = input(8, 6), wt = param(5, 6), wf = input(5, 6);
            Tensor loss = Ops.sum(Ops.mul(Linalg.linear(x, wt), Linalg.linear(x, wf)));
            long nodes = Autograd.nodesRun();
            counting.reset();
            Autograd.backward(loss);
            // One GEMM for dWt; none for dX (x is data) and none for the frozen wf.
            assertEquals(1, counting.count("gemm"));
            assertEquals(3, Autograd.nodesRun() - nodes, "sum, mul, linear(wt)");
            assertNull(wf.grad());
            assertNotNull(wt.grad());
        }
    }

    @Test
    void gradientStopsAtTheTrainableTopLayers() {
        // FedBiOT's client: a frozen stack below, the adapter on top; backward must not enter the stack.
        try (var s = StepScope.open()) {
            Tensor h = input(16, 8);
            for (int layer = 0; layer < 4; layer++)
                h = Nn.swiglu(Linalg.linear(h, input(8, 8)), Linalg.linear(h, input(8, 8)));
            Tensor top = param(8, 8);
            Tensor loss = Ops.mean(Linalg.linear(h, top));
            counting.reset();
            Autograd.backward(loss);
            assertEquals(1, counting.count("gemm"));
            assertEquals(0, counting.count("swigluBackward"));
        }
    }

    @Test
    void deadBranchesAreNotVisited() {
        try (var s = StepScope.open()) {
            Tensor x = input(3, 4), unused = param(2, 4), used = param(2, 4);
            Linalg.linear(x, unused); // requires grad, but the loss does not depend on it
            Tensor loss = Ops.sum(Linalg.linear(x, used));
            long nodes = Autograd.nodesRun();
            Autograd.backward(loss);
            assertEquals(2, Autograd.nodesRun() - nodes);
            assertNull(unused.grad());
        }
    }

    @Test
    void gradientsAccumulateUntilZeroed() {
        try (var s = StepScope.open()) {
            Tensor x = input(3, 4), w = param(2, 4);
            Autograd.backward(Ops.sum(Linalg.linear(x, w)));
            float[] once = w.grad().toFloatArray();
            Autograd.backward(Ops.sum(Linalg.linear(x, w)));
            float[] twice = w.grad().toFloatArray();
            for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-5 * Math.abs(once[i]) + 1e-6);
            w.zeroGrad();
            for (float g : w.grad().toFloatArray()) assertEquals(0f, g);
        }
    }

    @Test
    void sharedInputsSumTheirGradients() {
        try (var s = StepScope.open()) {
            Tensor a = param(5);
            float[] av = a.toFloatArray();
            Autograd.backward(Ops.sum(Ops.mul(a, a))); // d/da Σa² = 2a
            float[] g = a.grad().toFloatArray();
            for (int i = 0; i < av.length; i++) assertEquals(2 * av[i], g[i], 1e-6);
        }
    }

    @Test
    void noGradRecordsNothing() throws Exception {
        try (var s = StepScope.open(); var ng = Autograd.noGrad()) {
            Tensor y = Linalg.linear(input(2, 3), param(4, 3));
            assertFalse(y.requiresGrad());
            assertNull(y.node());
        }
        assertTrue(Autograd.gradEnabled());
    }

    @Test
    void backwardNeedsATrainableScalar() {
        try (var s = StepScope.open()) {
            Tensor w = param(2, 3);
            assertThrows(IllegalArgumentException.class, () -> Autograd.backward(Linalg.linear(input(1, 3), w)));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autograd.backward(Ops.sum(input(3))));
            assertTrue(e.getMessage().contains("requires a gradient"));
        }
    }

    @Test
    void operandsOnDifferentBackendsAreRefused() {
        Backend other = new JavaBackend(1);
        try (var s = StepScope.open()) {
            Tensor a = input(3), b = Tensor.of(other, new float[3], 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.add(a, b));
            assertTrue(e.getMessage().contains("different backends"), e.getMessage());
        }
    }

    @Test
    void backwardReceivesTheSavedTensorsInOrderAndFreesThemAfter() {
        try (var s = StepScope.open()) {
            Tensor w = param(3), kept = input(3);
            Tensor out = Tensor.zeros(be, 3);
            Tensor[][] got = new Tensor[1][];
            float[] keptValues = kept.toFloatArray();
            Autograd.record("probe", out, new Tensor[]{w}, new Tensor[]{kept, null, w}, (g, gi, saved) -> {
                got[0] = saved.clone();
                assertArrayEquals(keptValues, saved[0].toFloatArray(), "a saved tensor is still readable");
                be.axpy(gi[0].buf(), 1f, g.buf(), 3);
            });
            kept.release();   // the creator lets go: the node's hold keeps it alive for the backward
            Autograd.backward(Ops.sum(out));
            assertSame(kept, got[0][0]);
            assertNull(got[0][1]);
            assertSame(w, got[0][2]);
            assertThrows(IllegalStateException.class, kept::buf, "freed once the backward that saved it ran");
        }
    }

    @Test
    void targetsChooseTheTrainableLeavesWithoutChangingThem() throws Exception {
        try (var s = StepScope.open()) {
            Tensor x = input(2, 3), a = input(4, 3), b = input(4, 3);
            assertFalse(Linalg.linear(x, a).requiresGrad(), "nothing is trainable outside a target scope");
            try (var t = Autograd.targets(List.of(a))) {
                assertTrue(a.requiresGrad());
                assertFalse(b.requiresGrad());
                assertNotNull(Linalg.linear(x, a).node());
                assertNull(Linalg.linear(x, b).node(), "a non-target leaves nothing on the tape");
                // Another thread has its own targets: the same tensor is frozen there.
                assertFalse(CompletableFuture.supplyAsync(a::requiresGrad).get());
                try (var inner = Autograd.targets(List.of(b))) {
                    assertFalse(a.requiresGrad());
                    assertTrue(b.requiresGrad());
                }
                assertTrue(a.requiresGrad(), "closing the inner scope restores the outer targets");
                Tensor loss = Ops.sum(Linalg.linear(x, a));
                Autograd.backward(loss);
                assertNotNull(a.grad());
                assertNull(b.grad());
            }
            assertFalse(a.requiresGrad());
            Tensor y = Linalg.linear(x, param(4, 3));
            assertThrows(IllegalArgumentException.class, () -> Autograd.targets(List.of(y)), "only leaves can be targets");
        }
    }
}
