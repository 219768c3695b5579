package io.fedbiot.kernels;

/** Gradient buffers of attention, each accumulated into; null means nobody needs it. */
public record AttentionGrads(Buf dq, Buf dk, Buf dv) {
    /** True when no gradient is asked for. */
    public boolean none() {
        return dq == null && dk == null && dv == null;
    }
}
