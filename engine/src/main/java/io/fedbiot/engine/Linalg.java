package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.GemmShape;

/** Matrix products. Legend: M, N, K matrix sizes, Bt batch. */
public final class Linalg {
    private Linalg() {}

    /** y = x W^T: x [..., K], W [N, K] (PyTorch's Linear layout) → y [..., N]. */
    public static Tensor linear(Tensor x, Tensor w) {
        if (w.dtype() == DType.BF16) return Bf16Linear.apply(x, w);   // frozen bf16 base on the GPU
        return matmul(x, w, false, true);
    }

    /**
     * op(a) op(b) where op transposes the last two dimensions when asked.
     * <ul>
     *   <li>a [M,K] or [K,M], b [K,N] or [N,K] → [M,N];</li>
     *   <li>a [..., M, K] (not transposed) with a 2-D b: leading dims fold into M;</li>
     *   <li>a and b both [Bt, ·, ·]: a batched product → [Bt, M, N].</li>
     * </ul>
     */
    public static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        Backend be = Checks.backendOf("matmul", a, b);
        Checks.f32("matmul", a, b);
        Checks.check(a.rank() >= 2 && b.rank() >= 2, "matmul: operands need rank >= 2, got " + a + " and " + b);
        if (b.rank() == 2 && (a.rank() == 2 || !transA)) return folded(be, a, b, transA, transB);
        Checks.check(a.rank() == 3 && b.rank() == 3 && a.dim(0) == b.dim(0),
                "matmul: batched operands must both be [Bt,·,·] with the same Bt, got " + a + " and " + b);
        return batched(be, a, b, transA, transB);
    }

    // a [.., M, K] (or [K, M]) x b [K, N] (or [N, K]), leading dims of a folded into M.
    private static Tensor folded(Backend be, Tensor a, Tensor b, boolean ta, boolean tb) {
        int K = ta ? a.dim(0) : a.dim(-1);
        int M = ta ? a.dim(1) : Checks.rows(a);
        int N = tb ? b.dim(0) : b.dim(1);
        int Kb = tb ? b.dim(1) : b.dim(0);
        Checks.check(K == Kb, "matmul: inner dimensions differ, " + a + (ta ? "^T" : "") + " x " + b + (tb ? "^T" : ""));
        int[] outShape = ta ? new int[]{M, N} : Checks.withLast(a.shape(), N);
        Tensor out = Tensor.zeros(be, outShape);
        be.gemm(GemmShape.of(ta, tb, M, N, K), 1f, a.buf(), b.buf(), 0f, out.buf());
        return Autograd.record("matmul", out, new Tensor[]{a, b}, savedFor(a, b), (g, gi, s) -> {
            if (gi[0] != null) gradA(be, 1, ta, tb, M, N, K, g, s[1], 0, gi[0], 0);
            if (gi[1] != null) gradB(be, 1, ta, tb, M, N, K, g, s[0], 0, gi[1], 0);
        });
    }

    private static Tensor batched(Backend be, Tensor a, Tensor b, boolean ta, boolean tb) {
        int bt = a.dim(0);
        int M = ta ? a.dim(2) : a.dim(1), K = ta ? a.dim(1) : a.dim(2);
        int N = tb ? b.dim(1) : b.dim(2), Kb = tb ? b.dim(2) : b.dim(1);
        Checks.check(K == Kb, "matmul: inner dimensions differ, " + a + " x " + b);
        long sa = (long) M * K, sb = (long) K * N, sc = (long) M * N;
        Tensor out = Tensor.zeros(be, bt, M, N);
        be.gemm(new GemmShape(bt, ta, tb, M, N, K, sa, sb, sc), 1f, a.buf(), b.buf(), 0f, out.buf());
        return Autograd.record("bmm", out, new Tensor[]{a, b}, savedFor(a, b), (g, gi, s) -> {
            if (gi[0] != null) gradA(be, bt, ta, tb, M, N, K, g, s[1], sb, gi[0], sa);
            if (gi[1] != null) gradB(be, bt, ta, tb, M, N, K, g, s[0], sa, gi[1], sb);
        });
    }

    // dA needs B and dB needs A: a frozen weight's product keeps only the weight, not its input.
    // saved[0] is A (kept when B needs a gradient), saved[1] is B.
    static Tensor[] savedFor(Tensor a, Tensor b) {
        return new Tensor[]{b.requiresGrad() ? a : null, a.requiresGrad() ? b : null};
    }

    // C = op(A) op(B): dA = dC op(B)^T, stored transposed when ta.
    private static void gradA(Backend be, int bt, boolean ta, boolean tb, int M, int N, int K,
                              Tensor dC, Tensor b, long sb, Tensor dA, long sa) {
        long sc = (long) M * N;
        if (!ta) be.gemm(new GemmShape(bt, false, !tb, M, K, N, sc, sb, sa), 1f, dC.buf(), b.buf(), 1f, dA.buf());
        else be.gemm(new GemmShape(bt, tb, true, K, M, N, sb, sc, sa), 1f, b.buf(), dC.buf(), 1f, dA.buf());
    }

    // dB = op(A)^T dC, stored transposed when tb.
    private static void gradB(Backend be, int bt, boolean ta, boolean tb, int M, int N, int K,
                              Tensor dC, Tensor a, long sa, Tensor dB, long sb) {
        long sc = (long) M * N;
        if (!tb) be.gemm(new GemmShape(bt, !ta, false, K, N, M, sa, sc, sb), 1f, a.buf(), dC.buf(), 1f, dB.buf());
        else be.gemm(new GemmShape(bt, true, ta, N, K, M, sc, sa, sb), 1f, dC.buf(), a.buf(), 1f, dB.buf());
    }
}
