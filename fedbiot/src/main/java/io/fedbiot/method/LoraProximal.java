package io.fedbiot.method;

import io.fedbiot.engine.Linalg;
import io.fedbiot.engine.Ops;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;

/**
 * The client's proximal term Σ_modules ‖s·B·A − s·B_t·A_t‖²_F (ALGORITHM.md §5) with a real
 * gradient: the distance of the live adapter's weight deltas from the ones it received.
 */
public final class LoraProximal {
    private LoraProximal() {}

    public static Tensor term(LoraSet live, LoraSet anchor) {
        float s = live.config().scaling();
        Tensor total = null;
        for (int l : live.layers())
            for (LoraTarget t : live.config().targets()) {
                Tensor w = Linalg.matmul(live.b(l, t), live.a(l, t), false, false);            // [out, in]
                Tensor wt;
                try (var ng = Autograd.noGrad()) {
                    wt = Linalg.matmul(anchor.b(l, t), anchor.a(l, t), false, false);
                }
                Tensor d = Ops.scale(Ops.add(w, Ops.scale(wt, -1f)), s);
                Tensor sq = Ops.sum(Ops.mul(d, d));
                total = total == null ? sq : Ops.add(total, sq);
            }
        return total;
    }
}
