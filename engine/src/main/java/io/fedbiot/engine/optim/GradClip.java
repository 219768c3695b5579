package io.fedbiot.engine.optim;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/** Gradient clipping by global L2 norm. */
public final class GradClip {
    private GradClip() {}

    /** The global L2 norm of the gradients; NaN or infinite when any gradient is (detect, don't propagate). */
    public static double globalNorm(List<Tensor> params) {
        double total = 0;
        try (Arena a = Arena.ofShared()) { // shared: kernels may run on pool threads
            for (Tensor p : params) {
                if (p.grad() == null) continue;
                Tensor s = Tensor.zeros(p.backend(), DType.F32, a, 1);
                p.backend().sumSquares(s.buf(), p.grad().buf(), p.numel());
                total += s.item();
            }
        }
        return Math.sqrt(total);
    }

    /**
     * Scales all gradients by maxNorm / norm when the global norm exceeds maxNorm. Returns the
     * norm before clipping; when it is not finite nothing is scaled and the caller must skip the step.
     */
    public static double clipByGlobalNorm(List<Tensor> params, double maxNorm) {
        double norm = globalNorm(params);
        if (Double.isFinite(norm) && norm > maxNorm) {
            float f = (float) (maxNorm / (norm + 1e-6));
            for (Tensor p : params)
                if (p.grad() != null) p.backend().scale(p.grad().buf(), p.grad().buf(), f, p.numel());
        }
        return norm;
    }
}
