package io.fedbiot.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link Backend#linearCrossEntropy} composed from a backend's own kernels, R rows at a time:
 * per chunk, logits [R,V] = h_R W^T, the chunk's loss and lse, dLogits = softmax - onehot scaled by
 * m_n / Σm, then gh_R = dLogits W and gW += dLogits^T h_R. Three GEMM passes over the classifier,
 * as unchunked, but only two [R,V] buffers exist instead of two [N,V] ones (2 x 262 MB for 8 x 256
 * tokens of a 32000-word vocabulary). The chunks' masked weights are summed on the host first, so
 * every chunk's loss and gradient carry the global normalisation.
 */
public final class RowChunkedCrossEntropy {
    /** Bytes of one [R,V] buffer, unless that is under MIN_ROWS rows; {@code -Dfedbiot.lce.chunkMiB} overrides. */
    static final long CHUNK_BYTES = Long.getLong("fedbiot.lce.chunkMiB", 4) << 20;
    /** Fewer rows make the gW product (inner dimension R) slow. */
    static final int MIN_ROWS = 128;

    private RowChunkedCrossEntropy() {}

    /** Rows per chunk for a vocabulary of V words. */
    public static int rowsPerChunk(int N, int V) {
        long rows = Math.max(MIN_ROWS, CHUNK_BYTES / (4L * Math.max(V, 1)));
        return (int) Math.max(1, Math.min(N, rows));
    }

    /** As {@link Backend#linearCrossEntropy}, chunks of {@code R} rows. */
    public static void run(Backend be, Classifier shape, Buf loss, Buf gh, Buf gW, Buf h, Buf W, Buf targets, Buf mask, int R) {
        if (R < 1) throw new IllegalArgumentException("linearCrossEntropy: rows per chunk must be positive, got " + R);
        int N = shape.N(), C = shape.C(), V = shape.V();
        String op = "linearCrossEntropy";
        KernelChecks.need(op, "targets", targets, N);
        KernelChecks.need(op, "loss", loss, 1);
        KernelChecks.optional(op, "gh", gh, (long) N * C);
        KernelChecks.optional(op, "gW", gW, (long) V * C);
        KernelChecks.need(op, "h", h, (long) N * C);
        KernelChecks.need(op, "W", W, (long) V * C);
        KernelChecks.optional(op, "mask", mask, N);
        int chunks = (N + R - 1) / R;
        double[] weight = chunkWeights(be, mask, N, R, chunks);
        double total = 0;
        for (double w : weight) total += w;
        if (N == 0 || total == 0) {
            be.fill(loss, 1, 0f);
            if (gh != null) be.fill(gh, (long) N * C, 0f);
            if (gW != null) be.fill(gW, (long) V * C, 0f);
            return;
        }
        boolean grads = gh != null || gW != null;
        try (Arena a = Arena.ofShared()) {   // shared: kernels may run on pool threads
            int rMax = Math.min(R, N);
            Buf logits = be.allocate(4L * rMax * V, a), dLogits = grads ? be.allocate(4L * rMax * V, a) : null;
            Buf lse = be.allocate(4L * rMax, a), part = be.allocate(4, a), up = be.allocate(4, a);
            MemorySegment host = a.allocate(4);
            double sum = 0;
            boolean gwStarted = false;
            for (int c = 0; c < chunks; c++) {
                int r0 = c * R, rows = Math.min(R, N - r0);
                Buf hc = h.slice(4L * r0 * C, 4L * rows * C), tc = targets.slice(4L * r0, 4L * rows);
                Buf mc = mask == null ? null : mask.slice(4L * r0, 4L * rows);
                Buf ghc = gh == null ? null : gh.slice(4L * r0 * C, 4L * rows * C);
                if (weight[c] == 0) {   // nothing counted here: no loss, no gradient
                    if (ghc != null) be.fill(ghc, (long) rows * C, 0f);
                    continue;
                }
                Buf lg = logits.slice(0, 4L * rows * V), ls = lse.slice(0, 4L * rows);
                be.gemm(GemmShape.of(false, true, rows, V, C), 1f, hc, W, 0f, lg);
                be.crossEntropyForward(new Rows(rows, V), part, ls, lg, tc, mc);
                be.toHost(part, host);
                sum += host.get(ValueLayout.JAVA_FLOAT, 0) * weight[c];
                if (!grads) continue;
                Buf dl = dLogits.slice(0, 4L * rows * V);
                be.fill(dl, (long) rows * V, 0f);
                be.fill(up, 1, (float) (weight[c] / total));   // the chunk's mean → the global mean
                be.crossEntropyBackward(new Rows(rows, V), dl, up, lg, ls, tc, mc);
                if (ghc != null) be.gemm(GemmShape.of(rows, C, V), 1f, dl, W, 0f, ghc);
                if (gW != null) be.gemm(GemmShape.of(true, false, V, C, rows), 1f, dl, hc, gwStarted ? 1f : 0f, gW);
                gwStarted = true;
            }
            be.fill(loss, 1, (float) (sum / total));
        }
    }

    // Σ mask per chunk (rows per chunk without a mask), in double on the host.
    private static double[] chunkWeights(Backend be, Buf mask, int N, int R, int chunks) {
        double[] w = new double[chunks];
        if (mask == null) {
            for (int c = 0; c < chunks; c++) w[c] = Math.min(R, N - c * R);
            return w;
        }
        float[] m = new float[N];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(4L * Math.max(N, 1));
            if (N > 0) be.toHost(mask, host.asSlice(0, 4L * N));
            MemorySegment.copy(host, ValueLayout.JAVA_FLOAT, 0, m, 0, N);
        }
        for (int n = 0; n < N; n++) w[n / R] += m[n];
        return w;
    }
}
