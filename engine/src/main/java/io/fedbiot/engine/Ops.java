package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;

/** Element-wise ops, reductions and shape changes, each with its backward. */
public final class Ops {
    private Ops() {}

    /** a + b, same shapes. */
    public static Tensor add(Tensor a, Tensor b) {
        Backend be = Checks.backendOf("add", a, b);
        Checks.f32("add", a, b);
        Checks.sameShape("add", a, b);
        long n = a.numel();
        Tensor out = Tensor.zeros(be, a.shape());
        be.add(out.buf(), a.buf(), b.buf(), n);
        return Autograd.record("add", out, new Tensor[]{a, b}, new Tensor[0], (g, gi, s) -> {
            if (gi[0] != null) be.axpy(gi[0].buf(), 1f, g.buf(), n);
            if (gi[1] != null) be.axpy(gi[1].buf(), 1f, g.buf(), n);
        });
    }

    /** a * b element-wise, same shapes. */
    public static Tensor mul(Tensor a, Tensor b) {
        Backend be = Checks.backendOf("mul", a, b);
        Checks.f32("mul", a, b);
        Checks.sameShape("mul", a, b);
        long n = a.numel();
        Tensor out = Tensor.zeros(be, a.shape());
        be.mul(out.buf(), a.buf(), b.buf(), n);
        return Autograd.record("mul", out, new Tensor[]{a, b}, Linalg.savedFor(a, b), (g, gi, s) -> {
            if (gi[0] != null) be.mulAcc(gi[0].buf(), g.buf(), s[1].buf(), n);
            if (gi[1] != null) be.mulAcc(gi[1].buf(), g.buf(), s[0].buf(), n);
        });
    }

    /** s * a. */
    public static Tensor scale(Tensor a, float s) {
        Backend be = a.backend();
        Checks.f32("scale", a);
        long n = a.numel();
        Tensor out = Tensor.zeros(be, a.shape());
        be.scale(out.buf(), a.buf(), s, n);
        return Autograd.record("scale", out, new Tensor[]{a}, new Tensor[0], (g, gi, saved) -> be.axpy(gi[0].buf(), s, g.buf(), n));
    }

    /** Σ a, as a one-element tensor. */
    public static Tensor sum(Tensor a) {
        return reduce("sum", a, 1f);
    }

    /** mean(a), as a one-element tensor. */
    public static Tensor mean(Tensor a) {
        return reduce("mean", a, 1f / a.numel());
    }

    private static Tensor reduce(String op, Tensor a, float factor) {
        Backend be = a.backend();
        Checks.f32(op, a);
        long n = a.numel();
        Tensor out = Tensor.zeros(be, 1);
        be.sum(out.buf(), a.buf(), n);
        if (factor != 1f) be.scale(out.buf(), out.buf(), factor, 1);
        return Autograd.record(op, out, new Tensor[]{a}, new Tensor[0], (g, gi, s) -> be.addScalar(gi[0].buf(), g.buf(), factor, n));
    }

    /** The same data seen with another shape (no copy); gradients flow back unchanged. */
    public static Tensor reshape(Tensor a, int... shape) {
        Tensor out = a.view(shape);
        long n = a.numel();
        Backend be = a.backend();
        return Autograd.record("reshape", out, new Tensor[]{a}, new Tensor[0], (g, gi, s) -> be.axpy(gi[0].buf(), 1f, g.buf(), n));
    }
}
