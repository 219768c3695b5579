package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.cuda.CudaBackend;

/**
 * y = x W^T with a frozen bf16 weight on the CUDA backend (x [..., K] float32, W [N, K] bf16,
 * y [..., N] float32): x is rounded to bf16 for the product and cuBLAS accumulates in float32, as
 * mixed-precision training does. The backward gives dx only (frozen weights take no gradient):
 * dx += bf16(dy) W. Reached only through {@link Linalg#linear} when a weight is BF16, which only
 * {@code DeviceWeights.toDevice(..., bf16 = true)} produces.
 */
final class Bf16Linear {
    private Bf16Linear() {}

    static Tensor apply(Tensor x, Tensor w) {
        Checks.backendOf("linear", x, w);
        if (!(x.backend() instanceof CudaBackend be))
            throw new IllegalArgumentException("linear: bf16 weight " + w + " needs the cuda backend, not " + x.backend().name());
        Checks.f32("linear", x);
        Checks.check(w.rank() == 2 && x.rank() >= 2, "linear: bf16 weight must be [N,K] and x [...,K], got " + x + " and " + w);
        Checks.check(!w.requiresGrad(), "linear: bf16 weights are frozen, but " + w + " requires a gradient");
        int N = w.dim(0), K = w.dim(1), M = Checks.rows(x);
        Checks.check(x.dim(-1) == K, "linear: inner dimensions differ, " + x + " x " + w + "^T");
        Tensor xb = Tensor.zeros(be, DType.BF16, StepScope.current(), M, K);
        be.toBf16(xb.buf(), x.buf(), (long) M * K);
        Tensor out = Tensor.zeros(be, Checks.withLast(x.shape(), N));
        be.gemmBf16(GemmShape.of(false, true, M, N, K), 1f, xb.buf(), w.buf(), 0f, out.buf());
        return Autograd.record("linear_bf16", out, new Tensor[]{x}, new Tensor[]{w}, (g, gi, s) -> {
            Tensor gb = Tensor.zeros(be, DType.BF16, StepScope.current(), M, N);
            be.toBf16(gb.buf(), g.buf(), (long) M * N);
            be.gemmBf16(GemmShape.of(M, K, N), 1f, gb.buf(), s[0].buf(), 1f, gi[0].buf());
        });
    }
}
