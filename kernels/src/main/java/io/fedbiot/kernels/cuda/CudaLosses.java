package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.Rows;

/**
 * Launches the masked losses of native/cuda/losses.cu. Forward: one block per row writes its
 * numerator and weight (double) to the backend's workspace, then one block divides the sums
 * into the [1] result. Backward kernels read Σm (or NMSE's two totals) from the workspace, so
 * the scalar never leaves the device.
 */
final class CudaLosses {
    private static final int BLOCK = 256;

    private CudaLosses() {}

    /** Workspace for per-row numerators and weights: {num, den}, N doubles each (call holding the backend's lock). */
    private static long[] perRow(CudaBackend be, int N) {
        long n = Math.max(1, N), num = be.scratch(16 * n + 16);
        return new long[]{num, num + 8 * n};
    }

    static void crossEntropyForward(CudaBackend be, Rows r, Buf loss, Buf lse, Buf logits, Buf targets, Buf mask, long err) {
        String op = "crossEntropy";
        int N = r.N(), V = r.V();
        long pl = be.a(loss, 1, op, "loss"), pse = be.a(lse, N, op, "lse"), px = be.a(logits, r.n(), op, "logits");
        long pt = be.a(targets, N, op, "targets"), pm = be.o(mask, N, op, "mask");
        synchronized (be) {
            long[] w = perRow(be, N);
            long num = w[0], den = w[1];
            be.launchRows("fb_ce_fwd", N, KernelArgs.of().ptr(num).ptr(den).ptr(pse).ptr(px).ptr(pt).ptr(pm).i(N).i(V).ptr(err));
            be.launch("fb_ratio_final", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(pl).ptr(num).ptr(den).i(N));
        }
    }

    static void crossEntropyBackward(CudaBackend be, Rows r, Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask,
                                     long err) {
        String op = "crossEntropyBackward";
        int N = r.N(), V = r.V();
        long pd = be.a(dLogits, r.n(), op, "dLogits"), pg = be.a(dLoss, 1, op, "dLoss"), px = be.a(logits, r.n(), op, "logits");
        long pse = be.a(lse, N, op, "lse"), pt = be.a(targets, N, op, "targets"), pm = be.o(mask, N, op, "mask");
        synchronized (be) {
            long msum = be.scratch(8);
            be.launch("fb_mask_sum", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(msum).ptr(pm).i(N));
            be.launchRows("fb_ce_bwd", N, KernelArgs.of().ptr(pd).ptr(pg).ptr(px).ptr(pse).ptr(pt).ptr(pm).ptr(msum).i(N).i(V).ptr(err));
        }
    }

    static void klForward(CudaBackend be, Rows r, Buf kl, Buf P, Buf Q, Buf mask) {
        int N = r.N(), V = r.V();
        long pk = be.a(kl, 1, "kl", "kl"), pp = be.a(P, r.n(), "kl", "P"), pq = be.a(Q, r.n(), "kl", "Q");
        long pm = be.o(mask, N, "kl", "mask");
        synchronized (be) {
            long[] w = perRow(be, N);
            long num = w[0], den = w[1];
            be.launchRows("fb_kl_fwd", N, KernelArgs.of().ptr(num).ptr(den).ptr(pp).ptr(pq).ptr(pm).i(N).i(V));
            be.launch("fb_ratio_final", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(pk).ptr(num).ptr(den).i(N));
        }
    }

    static void klBackward(CudaBackend be, Rows r, Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask) {
        String op = "klBackward";
        int N = r.N(), V = r.V();
        long pdp = be.o(dP, r.n(), op, "dP"), pdq = be.o(dQ, r.n(), op, "dQ"), pg = be.a(dKl, 1, op, "dKl");
        long pp = be.a(P, r.n(), op, "P"), pq = be.a(Q, r.n(), op, "Q"), pm = be.o(mask, N, op, "mask");
        if (dP == null && dQ == null) return;
        synchronized (be) {
            long msum = be.scratch(8);
            be.launch("fb_mask_sum", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(msum).ptr(pm).i(N));
            be.launchRows("fb_kl_bwd", N, KernelArgs.of().ptr(pdp).ptr(pdq).ptr(pg).ptr(pp).ptr(pq).ptr(pm).ptr(msum).i(N).i(V));
        }
    }

    static void nmseForward(CudaBackend be, Rows r, Buf out, Buf a, Buf b, Buf mask) {
        int N = r.N(), C = r.V();
        long po = be.a(out, 1, "nmse", "out"), pa = be.a(a, r.n(), "nmse", "a"), pb = be.a(b, r.n(), "nmse", "b");
        long pm = be.o(mask, N, "nmse", "mask");
        synchronized (be) {
            long[] w = perRow(be, N);
            long num = w[0], den = w[1];
            be.launchRows("fb_nmse_rows", N, KernelArgs.of().ptr(num).ptr(den).ptr(pa).ptr(pb).ptr(pm).i(N).i(C));
            be.launch("fb_ratio_final", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(po).ptr(num).ptr(den).i(N));
        }
    }

    static void nmseBackward(CudaBackend be, Rows r, Buf dA, Buf dB, Buf dOut, Buf a, Buf b, Buf mask) {
        String op = "nmseBackward";
        int N = r.N(), C = r.V();
        long pda = be.o(dA, r.n(), op, "dA"), pdb = be.o(dB, r.n(), op, "dB"), pg = be.a(dOut, 1, op, "dOut");
        long pa = be.a(a, r.n(), op, "a"), pb = be.a(b, r.n(), op, "b"), pm = be.o(mask, N, op, "mask");
        if (dA == null && dB == null) return;
        synchronized (be) {
            long[] w = perRow(be, N);
            long num = w[0], den = w[1], totals = den + 8L * Math.max(1, N);
            be.launchRows("fb_nmse_rows", N, KernelArgs.of().ptr(num).ptr(den).ptr(pa).ptr(pb).ptr(pm).i(N).i(C));
            be.launch("fb_pair_totals", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(totals).ptr(num).ptr(den).i(N));
            be.launch1d("fb_nmse_bwd", (long) N * C, KernelArgs.of().ptr(pda).ptr(pdb).ptr(pg)
                    .ptr(pa).ptr(pb).ptr(pm).ptr(totals).i(N).i(C));
        }
    }
}
