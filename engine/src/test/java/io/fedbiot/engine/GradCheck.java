package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.testing.KernelTesting;

import java.util.Random;
import java.util.function.Function;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;

/**
 * Checks an engine computation against a float64 reference that shares none of its code: the
 * forward values, and every input gradient from autograd against central finite differences of
 * L = Σ r ⊙ ref(x) with a fixed random r.
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

            Tensor y = engine.apply(xs);
            double[] yRef = ref.apply(dx);
            assertClose(what + " forward", yRef, y.toFloatArray(), rtol, atol);

            float[] r = KernelTesting.randn(new Random(what.hashCode()), yRef.length, 1.0);
            Tensor loss = Ops.sum(Ops.mul(y, Tensor.of(be, r, y.shape())));
            Autograd.backward(loss);

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
