package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.KernelChecks;

/**
 * Launches the flash-style attention kernels of native/cuda/attention.cu (shapes in
 * {@link Attention}). Forward: one warp per query row, 8 rows per block, keys in shared-memory
 * tiles of 32. Backward: per-row dOut·out, then dq (one warp per query row) and dk/dv (one warp
 * per key row), each without atomics.
 */
final class CudaAttention {
    static final int ROWS = 8, TILE = 32, MAX_D = 128;

    private CudaAttention() {}

    /** What these kernels cannot do (the shape itself was validated by its record). */
    private static void limits(String op, Attention a) {
        if (a.D() > MAX_D)
            throw new IllegalArgumentException(op + ": D=" + a.D() + " exceeds the CUDA kernels' limit " + MAX_D);
        if (a.H() > 65535 || a.B() > 65535) throw new IllegalArgumentException(op + ": B and H must be at most 65535 on cuda");
    }

    /** The address of q, k or v: float32 or bf16 elements. */
    private static long typed(CudaBackend be, Buf b, long elems, String type, String op, String name) {
        return be.a(KernelChecks.needBytes(op, name, b, (type.equals("bf16") ? 2 : 4) * elems));
    }

    static void forward(CudaBackend be, String type, Attention a, AttentionIo io) {
        String op = "attention";
        long out = be.a(io.out(), a.nq(), op, "out"), lse = be.a(io.lse(), a.rows(), op, "lse");
        long q = typed(be, io.q(), a.nq(), type, op, "q"), k = typed(be, io.k(), a.nkv(), type, op, "k");
        long v = typed(be, io.v(), a.nkv(), type, op, "v");
        limits(op, a);
        int D = a.D(), shared = 4 * (2 * TILE * (D + 1) + ROWS * D);
        be.launch("fb_attn_fwd_" + type, (a.Tq() + ROWS - 1) / ROWS, a.H(), a.B(), ROWS * 32, shared,
                KernelArgs.of().ptr(out).ptr(lse).ptr(q).ptr(k).ptr(v)
                        .i(a.B()).i(a.Tq()).i(a.Tk()).i(a.H()).i(a.G()).i(D).f(a.scale()));
    }

    static void backward(CudaBackend be, String type, Attention a, AttentionIo io, Buf dOut, AttentionGrads g) {
        String op = "attentionBackward";
        long dq = be.o(g.dq(), a.nq(), op, "dq"), dk = be.o(g.dk(), a.nkv(), op, "dk"), dv = be.o(g.dv(), a.nkv(), op, "dv");
        long dout = be.a(dOut, a.nq(), op, "dOut"), out = be.a(io.out(), a.nq(), op, "out");
        long lse = be.a(io.lse(), a.rows(), op, "lse");
        long q = typed(be, io.q(), a.nq(), type, op, "q"), k = typed(be, io.k(), a.nkv(), type, op, "k");
        long v = typed(be, io.v(), a.nkv(), type, op, "v");
        limits(op, a);
        if (g.none()) return;
        int B = a.B(), Tq = a.Tq(), Tk = a.Tk(), H = a.H(), G = a.G(), D = a.D();
        synchronized (be) {
            long rowdot = be.scratch(4 * Math.max(1, a.rows()));
            long warps = (long) B * Tq * H;
            be.launch("fb_attn_rowdot", (int) ((warps * 32 + 255) / 256), 1, 1, 256, 0,
                    KernelArgs.of().ptr(rowdot).ptr(dout).ptr(out).i(B).i(Tq).i(H).i(D));
            if (g.dq() != null)
                be.launch("fb_attn_bwd_dq_" + type, (Tq + ROWS - 1) / ROWS, H, B, ROWS * 32, 4 * (2 * TILE * (D + 1) + 2 * ROWS * D),
                        KernelArgs.of().ptr(dq).ptr(dout).ptr(lse).ptr(rowdot)
                                .ptr(q).ptr(k).ptr(v).i(B).i(Tq).i(Tk).i(H).i(G).i(D).f(a.scale()));
            if (g.dk() != null || g.dv() != null)
                be.launch("fb_attn_bwd_dkv_" + type, (Tk + ROWS - 1) / ROWS, G, B, ROWS * 32,
                        4 * (2 * TILE * (D + 1) + 2 * ROWS * D + 2 * TILE),
                        KernelArgs.of().ptr(dk).ptr(dv).ptr(dout).ptr(lse).ptr(rowdot)
                                .ptr(q).ptr(k).ptr(v).i(B).i(Tq).i(Tk).i(H).i(G).i(D).f(a.scale()));
        }
    }
}
