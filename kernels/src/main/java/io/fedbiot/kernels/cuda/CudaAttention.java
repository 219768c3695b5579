package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.Buf;

/**
 * Launches the flash-style attention kernels of native/cuda/attention.cu (legend B, Tq, Tk, H,
 * G, D; q, out [B,Tq,H,D]; k, v [B,Tk,G,D]; lse [B,H,Tq]). Forward: one warp per query row,
 * 8 rows per block, keys in shared-memory tiles of 32. Backward: per-row dOut·out, then dq
 * (one warp per query row) and dk/dv (one warp per key row), each without atomics.
 */
final class CudaAttention {
    static final int ROWS = 8, TILE = 32, MAX_D = 128;

    private CudaAttention() {}

    private static void check(String op, int B, int Tq, int Tk, int H, int G, int D) {
        if (B < 0 || Tq < 0 || Tk < Tq || H <= 0 || G <= 0 || H % G != 0 || D <= 0)
            throw new IllegalArgumentException(op + ": need Tk >= Tq and H % G == 0, got B " + B + " Tq " + Tq + " Tk " + Tk
                    + " H " + H + " G " + G + " D " + D);
        if (D > MAX_D)
            throw new IllegalArgumentException(op + ": head size D " + D + " exceeds the CUDA kernels' limit " + MAX_D);
        if (H > 65535 || B > 65535) throw new IllegalArgumentException(op + ": B and H must be at most 65535");
    }

    /** Bytes of the element type: f32 4, bf16 2. */
    private static int bytes(String type) {
        return type.equals("bf16") ? 2 : 4;
    }

    private static void needTyped(Buf b, long elems, String type, String op, String arg) {
        if (b.byteSize() < bytes(type) * elems)
            throw new IllegalArgumentException(op + ": " + arg + " holds fewer than " + elems + " " + type + " elements");
    }

    static void forward(CudaBackend be, String type, Buf out, Buf lse, Buf q, Buf k, Buf v,
                        int B, int Tq, int Tk, int H, int G, int D, float scale) {
        check("attention", B, Tq, Tk, H, G, D);
        long nq = (long) B * Tq * H * D, nkv = (long) B * Tk * G * D;
        CudaBackend.need(out, nq, "attention", "out");
        CudaBackend.need(lse, (long) B * H * Tq, "attention", "lse");
        needTyped(q, nq, type, "attention", "q");
        needTyped(k, nkv, type, "attention", "k");
        needTyped(v, nkv, type, "attention", "v");
        int shared = 4 * (2 * TILE * (D + 1) + ROWS * D);
        be.launch("fb_attn_fwd_" + type, (Tq + ROWS - 1) / ROWS, H, B, ROWS * 32, shared,
                KernelArgs.of().ptr(be.a(out)).ptr(be.a(lse)).ptr(be.a(q)).ptr(be.a(k)).ptr(be.a(v))
                        .i(B).i(Tq).i(Tk).i(H).i(G).i(D).f(scale));
    }

    static void backward(CudaBackend be, String type, Buf dq, Buf dk, Buf dv, Buf dOut, Buf out, Buf lse,
                         Buf q, Buf k, Buf v, int B, int Tq, int Tk, int H, int G, int D, float scale) {
        check("attentionBackward", B, Tq, Tk, H, G, D);
        if (dq == null && dk == null && dv == null) return;
        long nq = (long) B * Tq * H * D, nkv = (long) B * Tk * G * D, rows = (long) B * H * Tq;
        CudaBackend.need(dq, nq, "attentionBackward", "dq");
        CudaBackend.need(dk, nkv, "attentionBackward", "dk");
        CudaBackend.need(dv, nkv, "attentionBackward", "dv");
        CudaBackend.need(dOut, nq, "attentionBackward", "dOut");
        CudaBackend.need(out, nq, "attentionBackward", "out");
        CudaBackend.need(lse, rows, "attentionBackward", "lse");
        needTyped(q, nq, type, "attentionBackward", "q");
        needTyped(k, nkv, type, "attentionBackward", "k");
        needTyped(v, nkv, type, "attentionBackward", "v");
        synchronized (be) {
            long rowdot = be.scratch(4 * Math.max(1, rows));
            long warps = (long) B * Tq * H;
            be.launch("fb_attn_rowdot", (int) ((warps * 32 + 255) / 256), 1, 1, 256, 0,
                    KernelArgs.of().ptr(rowdot).ptr(be.a(dOut)).ptr(be.a(out)).i(B).i(Tq).i(H).i(D));
            if (dq != null)
                be.launch("fb_attn_bwd_dq_" + type, (Tq + ROWS - 1) / ROWS, H, B, ROWS * 32, 4 * (2 * TILE * (D + 1) + 2 * ROWS * D),
                        KernelArgs.of().ptr(be.a(dq)).ptr(be.a(dOut)).ptr(be.a(lse)).ptr(rowdot)
                                .ptr(be.a(q)).ptr(be.a(k)).ptr(be.a(v)).i(B).i(Tq).i(Tk).i(H).i(G).i(D).f(scale));
            if (dk != null || dv != null)
                be.launch("fb_attn_bwd_dkv_" + type, (Tk + ROWS - 1) / ROWS, G, B, ROWS * 32,
                        4 * (2 * TILE * (D + 1) + 2 * ROWS * D + 2 * TILE),
                        KernelArgs.of().ptr(be.o(dk)).ptr(be.o(dv)).ptr(be.a(dOut)).ptr(be.a(lse)).ptr(rowdot)
                                .ptr(be.a(q)).ptr(be.a(k)).ptr(be.a(v)).i(B).i(Tq).i(Tk).i(H).i(G).i(D).f(scale));
        }
    }
}
