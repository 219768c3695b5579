package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.testing.KernelTesting;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;

/**
 * Checks an engine computation against a float64 reference that shares none of its code: the
 * forward values, and every input gradient from autograd against central finite differences of
 * L = Σ r ⊙ ref(x) with a fixed random r. The computation runs in a {@link Scratch} that keeps only
 * its output, so a tensor its backward reads without saving it fails the check (freed), and after
 * backward nothing but the tensors this check holds may still be alive in the step's pool.
 */
final class GradCheck {
    private GradCheck() {}

    interface Ref {
        double[] apply(double[][] inputs);
    }

    static void check(String what, Backend be, float[][] inputs, int[][] shapes,
                      Function<Tensor[], Tensor> engine, Ref ref, double rtol, double atol) {
        try (var step = StepScope.open()) {
            Tensor[] xs = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) xs[i] = Tensor.of(be, inputs[i], shapes[i]).requiresGrad(true);
            double[][] dx = new double[inputs.length][];
            for (int i = 0; i < inputs.length; i++) dx[i] = toDouble(inputs[i]);

            Tensor y;
            try (var s = Scratch.open()) {
                y = s.keep(engine.apply(xs));
            }
            double[] yRef = ref.apply(dx);
            assertClose(what + " forward", yRef, y.toFloatArray(), rtol, atol);

            float[] r = KernelTesting.randn(new Random(what.hashCode()), yRef.length, 1.0);
            Tensor rt = Tensor.of(be, r, y.shape()), prod = Ops.mul(y, rt), loss = Ops.sum(prod);
            Autograd.backward(loss);
            Set<Storage> held = Collections.newSetFromMap(new IdentityHashMap<>());
            long heldBytes = 0;
            for (Tensor t : new Tensor[]{y, rt, prod, loss}) if (held.add(t.storage())) heldBytes += t.numel() * t.dtype().bytes();
            for (Tensor x : xs)
                for (Tensor t : new Tensor[]{x, x.grad()})
                    if (t != null && held.add(t.storage())) heldBytes += t.numel() * 4;
            if (step.liveBytes() != heldBytes)
                throw new AssertionError(what + ": " + step.liveBytes() + " pooled bytes alive after backward, but the check holds only "
                        + heldBytes + " (a saved tensor or gradient was not freed)");

            double[] rd = toDouble(r);
            for (int i = 0; i < inputs.length; i++) {
                final int idx = i;
                double[] fd = KernelTesting.finiteDiff(xi -> {
                    double[][] in = dx.clone();
                    in[idx] = xi;
                    return KernelTesting.dot(rd, ref.apply(in));
                }, dx[i], 1e-6);
                assertClose(what + " d/d(input " + i + ")", fd, xs[i].grad().toFloatArray(), rtol, atol);
            }
        }
    }
}
