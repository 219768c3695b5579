package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.Buf;

/**
 * Launches the masked losses of native/cuda/losses.cu. Forward: one block per row writes its
 * numerator and weight (double) to the backend's workspace, then one block divides the sums
 * into the [1] result. Backward kernels read Σm (or NMSE's two totals) from the workspace, so
 * the scalar never leaves the device.
 */
final class CudaLosses {
    private static final int BLOCK = 256;

    private CudaLosses() {}

    private static void rows(CudaBackend be, Buf x, int N, int V, String op, String arg) {
        CudaBackend.need(x, (long) N * V, op, arg);
    }

    /** Workspace for per-row numerators and weights: {num, den}, N doubles each (call holding the backend's lock). */
    private static long[] perRow(CudaBackend be, int N) {
        long n = Math.max(1, N), num = be.scratch(16 * n + 16);
        return new long[]{num, num + 8 * n};
    }

    static void crossEntropyForward(CudaBackend be, Buf loss, Buf lse, Buf logits, Buf targets, Buf mask, int N, int V, long err) {
        CudaBackend.need(loss, 1, "crossEntropy", "loss");
        CudaBackend.need(lse, N, "crossEntropy", "lse");
        rows(be, logits, N, V, "crossEntropy", "logits");
        CudaBackend.need(targets, N, "crossEntropy", "targets");
        CudaBackend.need(mask, N, "crossEntropy", "mask");
        synchronized (be) {
            long[] w = perRow(be, N);
            long num = w[0], den = w[1];
            be.launchRows("fb_ce_fwd", N, KernelArgs.of().ptr(num).ptr(den).ptr(be.a(lse)).ptr(be.a(logits))
                    .ptr(be.a(targets)).ptr(be.o(mask)).i(N).i(V).ptr(err));
            be.launch("fb_ratio_final", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(be.a(loss)).ptr(num).ptr(den).i(N));
        }
    }

    static void crossEntropyBackward(CudaBackend be, Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask, int N, int V,
                                     long err) {
        if (dLogits == null) return;
        rows(be, dLogits, N, V, "crossEntropyBackward", "dLogits");
        rows(be, logits, N, V, "crossEntropyBackward", "logits");
        CudaBackend.need(dLoss, 1, "crossEntropyBackward", "dLoss");
        CudaBackend.need(lse, N, "crossEntropyBackward", "lse");
        CudaBackend.need(targets, N, "crossEntropyBackward", "targets");
        CudaBackend.need(mask, N, "crossEntropyBackward", "mask");
        synchronized (be) {
            long msum = be.scratch(8);
            be.launch("fb_mask_sum", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(msum).ptr(be.o(mask)).i(N));
            be.launchRows("fb_ce_bwd", N, KernelArgs.of().ptr(be.a(dLogits)).ptr(be.a(dLoss)).ptr(be.a(logits))
                    .ptr(be.a(lse)).ptr(be.a(targets)).ptr(be.o(mask)).ptr(msum).i(N).i(V).ptr(err));
        }
    }

    static void klForward(CudaBackend be, Buf kl, Buf P, Buf Q, Buf mask, int N, int V) {
        CudaBackend.need(kl, 1, "kl", "kl");
        rows(be, P, N, V, "kl", "P");
        rows(be, Q, N, V, "kl", "Q");
        CudaBackend.need(mask, N, "kl", "mask");
        synchronized (be) {
            long[] w = perRow(be, N);
            long num = w[0], den = w[1];
            be.launchRows("fb_kl_fwd", N, KernelArgs.of().ptr(num).ptr(den).ptr(be.a(P)).ptr(be.a(Q)).ptr(be.o(mask)).i(N).i(V));
            be.launch("fb_ratio_final", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(be.a(kl)).ptr(num).ptr(den).i(N));
        }
    }

    static void klBackward(CudaBackend be, Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask, int N, int V) {
        if (dP == null && dQ == null) return;
        if (dP != null) rows(be, dP, N, V, "klBackward", "dP");
        if (dQ != null) rows(be, dQ, N, V, "klBackward", "dQ");
        rows(be, P, N, V, "klBackward", "P");
        rows(be, Q, N, V, "klBackward", "Q");
        CudaBackend.need(dKl, 1, "klBackward", "dKl");
        CudaBackend.need(mask, N, "klBackward", "mask");
        synchronized (be) {
            long msum = be.scratch(8);
            be.launch("fb_mask_sum", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(msum).ptr(be.o(mask)).i(N));
            be.launchRows("fb_kl_bwd", N, KernelArgs.of().ptr(be.o(dP)).ptr(be.o(dQ)).ptr(be.a(dKl)).ptr(be.a(P))
                    .ptr(be.a(Q)).ptr(be.o(mask)).ptr(msum).i(N).i(V));
        }
    }

    static void nmseForward(CudaBackend be, Buf out, Buf a, Buf b, Buf mask, int N, int C) {
        CudaBackend.need(out, 1, "nmse", "out");
        rows(be, a, N, C, "nmse", "a");
        rows(be, b, N, C, "nmse", "b");
        CudaBackend.need(mask, N, "nmse", "mask");
        synchronized (be) {
            long[] w = perRow(be, N);
            long num = w[0], den = w[1];
            be.launchRows("fb_nmse_rows", N, KernelArgs.of().ptr(num).ptr(den).ptr(be.a(a)).ptr(be.a(b)).ptr(be.o(mask)).i(N).i(C));
            be.launch("fb_ratio_final", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(be.a(out)).ptr(num).ptr(den).i(N));
        }
    }

    static void nmseBackward(CudaBackend be, Buf dA, Buf dB, Buf dOut, Buf a, Buf b, Buf mask, int N, int C) {
        if (dA == null && dB == null) return;
        if (dA != null) rows(be, dA, N, C, "nmseBackward", "dA");
        if (dB != null) rows(be, dB, N, C, "nmseBackward", "dB");
        rows(be, a, N, C, "nmseBackward", "a");
        rows(be, b, N, C, "nmseBackward", "b");
        CudaBackend.need(dOut, 1, "nmseBackward", "dOut");
        CudaBackend.need(mask, N, "nmseBackward", "mask");
        synchronized (be) {
            long[] w = perRow(be, N);
            long num = w[0], den = w[1], totals = den + 8L * Math.max(1, N);
            be.launchRows("fb_nmse_rows", N, KernelArgs.of().ptr(num).ptr(den).ptr(be.a(a)).ptr(be.a(b)).ptr(be.o(mask)).i(N).i(C));
            be.launch("fb_pair_totals", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(totals).ptr(num).ptr(den).i(N));
            be.launch1d("fb_nmse_bwd", (long) N * C, KernelArgs.of().ptr(be.o(dA)).ptr(be.o(dB)).ptr(be.a(dOut))
                    .ptr(be.a(a)).ptr(be.a(b)).ptr(be.o(mask)).ptr(totals).i(N).i(C));
        }
    }
}
