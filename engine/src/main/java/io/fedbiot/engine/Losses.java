package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.Classifier;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.Rows;

/**
 * Scalar losses with per-row masks (null = every row counts). Each is one fused kernel pair that
 * never materialises a second [N,V] buffer.
 */
public final class Losses {
    private Losses() {}

    /** Mean masked cross-entropy: logits [..., V], targets I32 [...], mask F32 [...] or null. */
    public static Tensor crossEntropy(Tensor logits, Tensor targets, Tensor mask) {
        Backend be = Checks.backendOf("crossEntropy", logits, targets, mask);
        Checks.f32("crossEntropy", logits, mask);
        Checks.i32("crossEntropy", targets);
        int V = logits.dim(-1), N = Checks.rows(logits);
        Checks.check(targets.numel() == N, "crossEntropy: " + targets + " does not match the rows of " + logits);
        checkMask("crossEntropy", mask, N);
        Tensor loss = Tensor.zeros(be, 1);
        Tensor lse = Tensor.zeros(be, N);
        Buf m = mask == null ? null : mask.buf();
        be.crossEntropyForward(new Rows(N, V), loss.buf(), lse.buf(), logits.buf(), targets.buf(), m);
        return Autograd.record("crossEntropy", loss, new Tensor[]{logits, targets, mask}, new Tensor[]{logits, lse, targets, mask}, (g, gi, s) ->
                be.crossEntropyBackward(new Rows(N, V), gi[0].buf(), g.buf(), s[0].buf(), s[1].buf(), s[2].buf(), Tensor.bufOrNull(s[3])));
    }

    /**
     * crossEntropy(linear(h, w), targets, mask) without the logits: h [..., C], w [V, C]. The
     * backend computes the loss and, when h or w needs a gradient, d loss / d h and d loss / d w in
     * one call (the native backend fuses it over vocabulary chunks); backward scales them by the
     * upstream gradient. Saves the [N,V] logits and their gradient (2 x 262 MB for stories15M
     * at 8 x 256 tokens).
     */
    public static Tensor linearCrossEntropy(Tensor h, Tensor w, Tensor targets, Tensor mask) {
        Backend be = Checks.backendOf("linearCrossEntropy", h, w, targets, mask);
        Checks.f32("linearCrossEntropy", h, w, mask);
        Checks.i32("linearCrossEntropy", targets);
        int C = h.dim(-1), N = Checks.rows(h);
        Checks.check(w.rank() == 2 && w.dim(1) == C, "linearCrossEntropy: weight " + w + " must be [V, " + C + "]");
        int V = w.dim(0);
        Checks.check(targets.numel() == N, "linearCrossEntropy: " + targets + " does not match the rows of " + h);
        checkMask("linearCrossEntropy", mask, N);
        boolean needH = Autograd.needsGrad(h), needW = Autograd.needsGrad(w);
        Tensor loss = Tensor.zeros(be, 1);
        Tensor gh = needH ? Tensor.zeros(be, N, C) : null, gw = needW ? Tensor.zeros(be, V, C) : null;
        be.linearCrossEntropy(new Classifier(N, C, V), loss.buf(), gh == null ? null : gh.buf(), gw == null ? null : gw.buf(),
                h.buf(), w.buf(), targets.buf(), mask == null ? null : mask.buf());
        return Autograd.record("linearCrossEntropy", loss, new Tensor[]{h, w, targets, mask}, new Tensor[]{gh, gw}, (g, gi, s) -> {
            // gi += g[0] * stash, as a [1,1] x [1,n] GEMM so the scalar never leaves the backend
            if (gi[0] != null) be.gemm(GemmShape.of(1, N * C, 1), 1f, g.buf(), s[0].buf(), 1f, gi[0].buf());
            if (gi[1] != null) be.gemm(GemmShape.of(1, V * C, 1), 1f, g.buf(), s[1].buf(), 1f, gi[1].buf());
        });
    }

    /** Mean masked per-token KL(softmax(p) ‖ softmax(q)): p and q [..., V]. */
    public static Tensor kl(Tensor p, Tensor q, Tensor mask) {
        Backend be = Checks.backendOf("kl", p, q, mask);
        Checks.f32("kl", p, q, mask);
        Checks.sameShape("kl", p, q);
        int V = p.dim(-1), N = Checks.rows(p);
        checkMask("kl", mask, N);
        Tensor out = Tensor.zeros(be, 1);
        Buf m = mask == null ? null : mask.buf();
        be.klForward(new Rows(N, V), out.buf(), p.buf(), q.buf(), m);
        return Autograd.record("kl", out, new Tensor[]{p, q, mask}, new Tensor[]{p, q, mask}, (g, gi, s) -> be.klBackward(
                new Rows(N, V), Tensor.bufOrNull(gi[0]), Tensor.bufOrNull(gi[1]), g.buf(), s[0].buf(), s[1].buf(), Tensor.bufOrNull(s[2])));
    }

    /** mean((b - a)²) / mean(b²) over masked rows: a, b [..., C]; b is the reference. */
    public static Tensor nmse(Tensor a, Tensor b, Tensor mask) {
        Backend be = Checks.backendOf("nmse", a, b, mask);
        Checks.f32("nmse", a, b, mask);
        Checks.sameShape("nmse", a, b);
        int C = a.dim(-1), N = Checks.rows(a);
        checkMask("nmse", mask, N);
        Tensor out = Tensor.zeros(be, 1);
        Buf m = mask == null ? null : mask.buf();
        be.nmseForward(new Rows(N, C), out.buf(), a.buf(), b.buf(), m);
        return Autograd.record("nmse", out, new Tensor[]{a, b, mask}, new Tensor[]{a, b, mask}, (g, gi, s) -> be.nmseBackward(
                new Rows(N, C), Tensor.bufOrNull(gi[0]), Tensor.bufOrNull(gi[1]), g.buf(), s[0].buf(), s[1].buf(), Tensor.bufOrNull(s[2])));
    }

    private static void checkMask(String op, Tensor mask, int rows) {
        if (mask != null && mask.numel() != rows)
            throw new IllegalArgumentException(op + ": mask " + mask + " must have one weight per row (" + rows + ")");
        if (mask != null && mask.requiresGrad())
            throw new IllegalArgumentException(op + ": mask " + mask + " must not require a gradient");
    }
}
