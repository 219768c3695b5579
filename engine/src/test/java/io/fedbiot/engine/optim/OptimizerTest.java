package io.fedbiot.engine.optim;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Linalg;
import io.fedbiot.engine.Ops;
import io.fedbiot.engine.ParamSet;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.ref.RefElementwise;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;

class OptimizerTest {
    final Backend be = Backends.java();

    @Test
    void adamwMatchesTheFloat64Reference() {
        Random r = new Random(1);
        try (Arena a = Arena.ofShared()) {
            ParamSet ps = ParamSet.builder().add("w", 7, 5).add("b", 3).build(be, a);
            ps.targets().forEach(p -> p.requiresGrad(true)); // this test owns them: trainable for good
            float[] p0 = randn(r, Math.toIntExact(ps.flat().numel()), 1);
            ps.flat().copyFrom(p0);
            double[] p = toDouble(p0), m = new double[p.length], v = new double[p.length];
            AdamW opt = new AdamW(ps.asList(), a, 0.01f, 0.9f, 0.95f, 1e-8f, 0.1f);
            for (int t = 1; t <= 5; t++) {
                float[] g = randn(r, p.length, 1);
                ps.grads().copyFrom(g);
                opt.step();
                RefElementwise.adamw(p, toDouble(g), m, v, 0.01, 0.9, 0.95, 1e-8, 0.1, t);
            }
            assertClose("adamw after 5 steps", p, ps.flat().toFloatArray(), 1e-5, 1e-6);
        }
    }

    @Test
    void sgdWithMomentumMatchesTheReference() {
        Random r = new Random(2);
        try (Arena a = Arena.ofShared()) {
            Tensor w = Tensor.zeros(be, DType.F32, a, 11).requiresGrad(true);
            float[] w0 = randn(r, 11, 1);
            w.copyFrom(w0);
            w.setGrad(Tensor.zeros(be, DType.F32, a, 11));
            double[] p = toDouble(w0), buf = new double[11];
            Sgd opt = new Sgd(List.of(w), a, 0.1f, 0.9f, 0.01f);
            for (int t = 0; t < 4; t++) {
                float[] g = randn(r, 11, 1);
                w.grad().copyFrom(g);
                opt.step();
                RefElementwise.sgd(p, toDouble(g), buf, 0.1, 0.9, 0.01);
            }
            assertClose("sgd", p, w.toFloatArray(), 1e-5, 1e-6);
        }
    }

    @Test
    void clippingScalesToTheMaxNormAndDetectsNaN() {
        try (Arena a = Arena.ofShared()) {
            ParamSet ps = ParamSet.builder().add("a", 3).add("b", 2).build(be, a);
            ps.get("a").grad().copyFrom(new float[]{3, 0, 0});
            ps.get("b").grad().copyFrom(new float[]{0, 4});
            assertEquals(5.0, GradClip.clipByGlobalNorm(ps.asList(), 1.0), 1e-6);
            assertEquals(1.0, GradClip.globalNorm(ps.asList()), 1e-5);
            ps.get("a").grad().copyFrom(new float[]{Float.NaN, 1, 1});
            assertTrue(Double.isNaN(GradClip.clipByGlobalNorm(ps.asList(), 1.0)));
            assertEquals(1f, ps.get("a").grad().toFloatArray()[1], "non-finite norm: nothing scaled");
        }
    }

    @Test
    void adamwFitsALinearMap() {
        Random r = new Random(3);
        int N = 64, K = 6, M = 3;
        float[] wTrue = randn(r, M * K, 1), x = randn(r, N * K, 1);
        try (Arena a = Arena.ofShared()) {
            ParamSet ps = ParamSet.builder().add("w", M, K).build(be, a);
            ps.targets().forEach(p -> p.requiresGrad(true)); // this test owns them: trainable for good
            AdamW opt = new AdamW(ps.asList(), a, 0.05f, 0.9f, 0.95f, 1e-8f, 0f);
            float first = 0, last = 0;
            for (int step = 0; step < 300; step++) {
                try (var s = StepScope.open()) {
                    Tensor xt = Tensor.of(be, x, N, K);
                    Tensor target = Linalg.linear(xt, Tensor.of(be, wTrue, M, K));
                    Tensor diff = Ops.add(Linalg.linear(xt, ps.get("w")), Ops.scale(target, -1f));
                    Tensor loss = Ops.mean(Ops.mul(diff, diff));
                    Autograd.backward(loss);
                    opt.step();
                    ps.zeroGrad();
                    if (step == 0) first = loss.item();
                    last = loss.item();
                }
            }
            assertTrue(last < first * 1e-3, "loss " + first + " -> " + last);
        }
    }

    @Test
    void seededInitIsDeterministic() {
        try (Arena a = Arena.ofShared()) {
            Tensor t1 = Tensor.zeros(be, DType.F32, a, 100), t2 = Tensor.zeros(be, DType.F32, a, 100), t3 = Tensor.zeros(be, DType.F32, a, 100);
            new Rng(7).normal(t1, 0.02);
            new Rng(7).normal(t2, 0.02);
            new Rng(8).normal(t3, 0.02);
            assertArrayEquals(t1.toFloatArray(), t2.toFloatArray());
            assertFalse(java.util.Arrays.equals(t1.toFloatArray(), t3.toFloatArray()));
        }
    }

    @Test
    void paramSetViewsShareOneBlockEach() {
        try (Arena a = Arena.ofShared()) {
            ParamSet ps = ParamSet.builder().add("x", 2, 3).add("y", 5).build(be, a);
            assertEquals(11, ps.count());
            ps.get("y").copyFrom(new float[]{1, 2, 3, 4, 5});
            float[] flat = ps.flat().toFloatArray();
            assertEquals(1f, flat[16], "y starts on the next 16-float boundary");
            ps.get("x").grad().copyFrom(new float[]{1, 1, 1, 1, 1, 1});
            assertEquals(1f, ps.grads().toFloatArray()[5]);
            ps.zeroGrad();
            for (float g : ps.grads().toFloatArray()) assertEquals(0f, g);
            assertThrows(IllegalArgumentException.class, () -> ps.get("z"));
            assertThrows(IllegalArgumentException.class, () -> ParamSet.builder().add("x", 1).add("x", 2));
        }
    }
}
