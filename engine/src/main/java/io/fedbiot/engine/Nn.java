package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.Dropout;
import io.fedbiot.kernels.Embedding;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.RmsNorm;
import io.fedbiot.kernels.Rope;
import io.fedbiot.kernels.RopeStyle;

/** Transformer ops, forward and backward side by side. Legend: B, T, C, H, G (KV heads), D, V. */
public final class Nn {
    private Nn() {}

    /** table [V,C], ids I32 [...] → [..., C]; backward scatter-adds into the table. */
    public static Tensor embedding(Tensor table, Tensor ids) {
        Backend be = Checks.backendOf("embedding", table, ids);
        Checks.f32("embedding", table);
        Checks.i32("embedding", ids);
        Checks.rank("embedding", table, 2);
        int V = table.dim(0), C = table.dim(1), N = Math.toIntExact(ids.numel());
        int[] shape = new int[ids.rank() + 1];
        System.arraycopy(ids.shape(), 0, shape, 0, ids.rank());
        shape[ids.rank()] = C;
        Tensor out = Tensor.zeros(be, shape);
        be.embeddingForward(new Embedding(N, C, V), out.buf(), table.buf(), ids.buf());
        return Autograd.record("embedding", out, new Tensor[]{table, ids}, new Tensor[]{ids},
                (g, gi, s) -> be.embeddingBackward(new Embedding(N, C, V), gi[0].buf(), g.buf(), s[0].buf()));
    }

    /** y = x / rms(x) * w over the last dimension: x [..., C], w [C]. */
    public static Tensor rmsnorm(Tensor x, Tensor w, float eps) {
        Backend be = Checks.backendOf("rmsnorm", x, w);
        Checks.f32("rmsnorm", x, w);
        int C = x.dim(-1), N = Checks.rows(x);
        Checks.check(w.rank() == 1 && w.dim(0) == C, "rmsnorm: weight " + w + " does not match " + x);
        Tensor y = Tensor.zeros(be, x.shape());
        Tensor rstd = Tensor.zeros(be, N);
        be.rmsnormForward(new RmsNorm(N, C, eps), y.buf(), rstd.buf(), x.buf(), w.buf());
        return Autograd.record("rmsnorm", y, new Tensor[]{x, w}, new Tensor[]{x, w, rstd}, (g, gi, s) -> be.rmsnormBackward(
                new RmsNorm(N, C, eps), Tensor.bufOrNull(gi[0]), Tensor.bufOrNull(gi[1]), g.buf(), s[0].buf(), s[1].buf(), s[2].buf()));
    }

    /** Rotary embedding of x [B,T,H,D] at positions pos0..pos0+T-1. */
    public static Tensor rope(Tensor x, int pos0, float theta, RopeStyle style) {
        Backend be = x.backend();
        Checks.f32("rope", x);
        Checks.rank("rope", x, 4);
        int B = x.dim(0), T = x.dim(1), H = x.dim(2), D = x.dim(3);
        Checks.check(D % 2 == 0, "rope: head size must be even, got " + x);
        Tensor out = Tensor.zeros(be, x.shape());
        be.ropeForward(new Rope(B, T, H, D, pos0, theta, style), out.buf(), x.buf());
        return Autograd.record("rope", out, new Tensor[]{x}, new Tensor[0],
                (g, gi, s) -> be.ropeBackward(new Rope(B, T, H, D, pos0, theta, style), gi[0].buf(), g.buf()));
    }

    /**
     * Causal attention with grouped KV heads: q [B,Tq,H,D], k and v [B,Tk,G,D] → [B,Tq,H,D].
     * One fused op; its backward runs through every earlier position.
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, float scale) {
        Backend be = Checks.backendOf("attention", q, k, v);
        Checks.f32("attention", q, k, v);
        Checks.rank("attention", q, 4);
        Checks.rank("attention", k, 4);
        Checks.sameShape("attention", k, v);
        int B = q.dim(0), Tq = q.dim(1), H = q.dim(2), D = q.dim(3), Tk = k.dim(1), G = k.dim(2);
        Checks.check(k.dim(0) == B && k.dim(3) == D && Tk >= Tq && G > 0 && H % G == 0,
                "attention: q " + q + " and k " + k + " do not fit (need same B and D, Tk >= Tq, H % G == 0)");
        Tensor out = Tensor.zeros(be, q.shape());
        Tensor lse = Tensor.zeros(be, B, H, Tq);
        be.attentionForward(new Attention(B, Tq, Tk, H, G, D, scale), new AttentionIo(q.buf(), k.buf(), v.buf(), out.buf(), lse.buf()));
        return Autograd.record("attention", out, new Tensor[]{q, k, v}, new Tensor[]{q, k, v, out, lse}, (g, gi, s) -> be.attentionBackward(
                new Attention(B, Tq, Tk, H, G, D, scale), new AttentionIo(s[0].buf(), s[1].buf(), s[2].buf(), s[3].buf(), s[4].buf()), g.buf(),
                new AttentionGrads(Tensor.bufOrNull(gi[0]), Tensor.bufOrNull(gi[1]), Tensor.bufOrNull(gi[2]))));
    }

    /** silu(a) * b, the gated MLP product. */
    public static Tensor swiglu(Tensor a, Tensor b) {
        Backend be = Checks.backendOf("swiglu", a, b);
        Checks.f32("swiglu", a, b);
        Checks.sameShape("swiglu", a, b);
        long n = a.numel();
        Tensor out = Tensor.zeros(be, a.shape());
        be.swigluForward(out.buf(), a.buf(), b.buf(), n);
        return Autograd.record("swiglu", out, new Tensor[]{a, b}, new Tensor[]{a, b}, (g, gi, s) -> be.swigluBackward(
                Tensor.bufOrNull(gi[0]), Tensor.bufOrNull(gi[1]), g.buf(), s[0].buf(), s[1].buf(), n));
    }

    /**
     * swiglu(a, b) W^T in one op: a, b [..., F], W [C, F] → [..., C]. The product silu(a) * b is
     * a temporary: backward recomputes it from a and b (which the swiglu gradient needs anyway)
     * for dW, so no [..., F] tensor is kept for W's gradient.
     */
    public static Tensor swigluLinear(Tensor a, Tensor b, Tensor w) {
        Backend be = Checks.backendOf("swigluLinear", a, b, w);
        Checks.f32("swigluLinear", a, b, w);
        Checks.sameShape("swigluLinear", a, b);
        int K = a.dim(-1), M = Checks.rows(a);
        Checks.check(w.rank() == 2 && w.dim(1) == K, "swigluLinear: weight " + w + " must be [N, " + K + "] for " + a);
        int N = w.dim(0);
        Tensor out = Tensor.zeros(be, Checks.withLast(a.shape(), N));
        Tensor prod = Tensor.zeros(be, M, K);
        be.swigluForward(prod.buf(), a.buf(), b.buf(), a.numel());
        be.gemm(GemmShape.of(false, true, M, N, K), 1f, prod.buf(), w.buf(), 0f, out.buf());
        prod.release();   // a temporary: backward recomputes it
        boolean needIn = a.requiresGrad() || b.requiresGrad();
        return Autograd.record("swigluLinear", out, new Tensor[]{a, b, w}, new Tensor[]{a, b, needIn ? w : null}, (gy, gi, s) -> {
            // In blocks of rows: silu(a) * b again for dW, then the same scratch holds its gradient.
            int R = Math.min(M, SWIGLU_BACKWARD_ROWS);
            Tensor g = Tensor.zeros(be, R, K);
            for (int r0 = 0; r0 < M; r0 += R) {
                int rows = Math.min(R, M - r0);
                long k0 = 4L * r0 * K, kb = 4L * rows * K, n = (long) rows * K;
                Buf gc = g.buf().slice(0, kb), ac = s[0].buf().slice(k0, kb), bc = s[1].buf().slice(k0, kb);
                Buf gyc = gy.buf().slice(4L * r0 * N, 4L * rows * N);
                if (gi[2] != null) {
                    be.swigluForward(gc, ac, bc, n);
                    be.gemm(GemmShape.of(true, false, N, K, rows), 1f, gyc, gc, 1f, gi[2].buf());   // dW += dy^T g
                }
                if (gi[0] == null && gi[1] == null) continue;
                be.gemm(GemmShape.of(rows, K, N), 1f, gyc, s[2].buf(), 0f, gc);          // dg = dy W
                be.swigluBackward(gi[0] == null ? null : gi[0].buf().slice(k0, kb), gi[1] == null ? null : gi[1].buf().slice(k0, kb),
                        gc, ac, bc, n);
            }
        });
    }

    /** Rows per block of the swigluLinear backward: its scratch is [512, F] instead of [B*T, F]. */
    private static final int SWIGLU_BACKWARD_ROWS = 512;

    /** Inverted dropout with a counter-based mask from {@code seed}; p == 0 returns x itself. */
    public static Tensor dropout(Tensor x, float p, long seed) {
        Checks.check(p >= 0f && p < 1f, "dropout: p must be in [0, 1), got " + p);
        if (p == 0f) return x;
        Backend be = x.backend();
        Checks.f32("dropout", x);
        long n = x.numel();
        Tensor out = Tensor.zeros(be, x.shape());
        Tensor mask = Tensor.zeros(be, x.shape());
        be.dropout(new Dropout(p, seed), out.buf(), mask.buf(), x.buf(), n);
        return Autograd.record("dropout", out, new Tensor[]{x}, new Tensor[]{mask}, (g, gi, s) -> be.mulAcc(gi[0].buf(), g.buf(), s[0].buf(), n));
    }
}
