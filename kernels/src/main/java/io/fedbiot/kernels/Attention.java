package io.fedbiot.kernels;

/**
 * Causal attention with grouped KV heads: q, out [B,Tq,H,D]; k, v [B,Tk,G,D]; lse [B,H,Tq].
 * Query head h reads KV head h / (H/G); query t sits at position Tk - Tq + t and attends keys
 * 0..that (Tq == Tk in training, Tq < Tk with a KV cache); scores are scaled by {@code scale}.
 */
public record Attention(int B, int Tq, int Tk, int H, int G, int D, float scale) {
    public Attention {
        KernelChecks.nonNegative("attention", "B", B);
        KernelChecks.nonNegative("attention", "Tq", Tq);
        if (Tk < Tq) KernelChecks.fail("attention", "Tk=" + Tk + " must be at least Tq=" + Tq);
        KernelChecks.positive("attention", "H", H);
        KernelChecks.positive("attention", "G", G);
        if (H % G != 0) KernelChecks.fail("attention", "H=" + H + " must be a multiple of G=" + G);
        KernelChecks.positive("attention", "D", D);
        if (!Float.isFinite(scale)) KernelChecks.fail("attention", "scale=" + scale + " must be finite");
    }

    /** Elements of q, out, dq, dOut. */
    public long nq() {
        return (long) B * Tq * H * D;
    }

    /** Elements of k, v, dk, dv. */
    public long nkv() {
        return (long) B * Tk * G * D;
    }

    /** Elements of lse: one per query row and head. */
    public long rows() {
        return (long) B * H * Tq;
    }
}
