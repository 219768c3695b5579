package io.fedbiot.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Batched SGEMM, Goto/BLIS style: op(A) and op(B) are packed into contiguous panels (so all four
 * transpose cases share one micro-kernel), blocked for the caches, and multiplied by an
 * MR x NR register-tiled FMA micro-kernel.
 *
 * <pre>
 * for jc in N step NC          B panel  [KC, NC]  packed, lives in L3
 *   for pc in K step KC
 *     for ic in M step MC      A block  [MC, KC]  packed, lives in L2
 *       for jr in NC step NR   B sliver [KC, NR]  reused across the ir loop (L1/L2)
 *         for ir in MC step MR micro-kernel: C[MR, NR] += A sliver [MR, KC] * B sliver
 * </pre>
 *
 * Threads split the larger of M and N (never K), in units of whole tiles, or whole batch items when
 * the batch is large. Every C element is therefore computed by the same sequence of float ops
 * whatever the thread count: results are bitwise identical to single-threaded.
 */
final class JvmGemm {
    private JvmGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Micro-tile rows: MR*2 accumulators + 2 B vectors + 1 broadcast fit in AVX2's 16 registers. */
    static final int MR = 6;

    /** Up to this many rows (token-by-token decoding), packing costs more than it saves: see JvmGemv. */
    static final int GEMV_MAX_M = 3;
    /** Micro-tile columns: two vectors (16 floats on AVX2, 32 on AVX-512). */
    static final int NR = 2 * L;
    /**
     * Largest K block; K is split evenly (K=288 and 768 stay one block, K=4096 -> 6 x 683). Each
     * extra K block costs a pass over C (load + store), which measured 25-40% slower at K=768 with
     * KC=320. The B sliver KC*NR*4 (48 KB AVX2, 96 KB AVX-512) then streams from L2, not L1: with
     * 12 FMAs per 2 vector loads of B that bandwidth is ample.
     */
    static final int KC = 768;
    /** Rows of the packed A block: MC*KC*4 = 432 KB, under half a 1 MB L2 (multiple of MR). */
    static final int MC = 144;
    /** Columns of the packed B panel: KC*NC*4 = 6 MB per thread, re-read per A block from the 32 MB L3. */
    static final int NC = Math.max(NR, 2048 / NR * NR);
    /** Below this many flops a GEMM runs on the calling thread (a fork/join costs ~10-20 us). */
    static final long PARALLEL_MIN_FLOPS = 1L << 21;

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Per-thread packing buffers, grown on demand (at most MC*KC, KC*NC and NR*KC floats). */
    private static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        float[] stage = new float[0];
        final float[] tile = new float[MR * NR];

        float[] stage(int n) {
            if (stage.length < n) stage = new float[n];
            return stage;
        }

        float[] a(int n) {
            if (a.length < n) a = new float[n];
            return a;
        }

        float[] b(int n) {
            if (b.length < n) b = new float[n];
            return b;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static void gemm(Parallel par, int batch, boolean transA, boolean transB, int M, int N, int K, float alpha,
                     MemorySegment A, long strideA, MemorySegment B, long strideB, float beta, MemorySegment C, long strideC) {
        if (batch == 0 || M == 0 || N == 0) return;   // shapes and sizes were checked by JavaBackend
        if (K == 0 || alpha == 0f) { // BLAS convention: A and B are not read
            for (int b = 0; b < batch; b++) scaleC(C, 4L * b * strideC, (long) M * N, beta);
            return;
        }

        long flops = 2L * M * N * K;
        int threads = par.threads();
        boolean cDistinct = batch == 1 || Math.abs(strideC) >= (long) M * N;
        if (threads == 1 || flops * batch < PARALLEL_MIN_FLOPS) {
            for (int b = 0; b < batch; b++)
                item(null, b, transA, transB, M, N, K, alpha, A, strideA, B, strideB, beta, C, strideC);
        } else if (cDistinct && batch >= threads && (batch % threads == 0 || batch >= 4 * threads)) {
            par.forRange(batch, 1, (lo, hi) -> {
                for (int b = lo; b < hi; b++)
                    item(null, b, transA, transB, M, N, K, alpha, A, strideA, B, strideB, beta, C, strideC);
            });
        } else {
            for (int b = 0; b < batch; b++)
                item(par, b, transA, transB, M, N, K, alpha, A, strideA, B, strideB, beta, C, strideC);
        }
    }

    /** C = beta*C over n contiguous floats (beta == 0 writes zeros, ignoring NaN). */
    private static void scaleC(MemorySegment C, long off, long n, float beta) {
        if (beta == 1f) return;
        if (beta == 0f) {
            C.asSlice(off, 4 * n).fill((byte) 0);
            return;
        }
        for (long i = 0; i < n; i++) C.set(F, off + 4 * i, C.get(F, off + 4 * i) * beta);
    }

    /** One batch item; par == null runs it on this thread. */
    private static void item(Parallel par, int b, boolean transA, boolean transB, int M, int N, int K, float alpha,
                             MemorySegment A, long strideA, MemorySegment B, long strideB,
                             float beta, MemorySegment C, long strideC) {
        long aOff = 4L * b * strideA, bOff = 4L * b * strideB, cOff = 4L * b * strideC;
        long flops = 2L * M * N * K;
        if (M <= GEMV_MAX_M && !transA) {
            JvmGemv.gemv(par == null || flops < PARALLEL_MIN_FLOPS ? null : par, transB, M, N, K, alpha,
                    A, aOff, B, bOff, beta, C, cOff);
            return;
        }
        if (par == null || par.threads() == 1 || flops < PARALLEL_MIN_FLOPS) {
            block(transA, transB, M, N, K, 0, M, 0, N, alpha, A, aOff, B, bOff, beta, C, cOff);
            return;
        }
        // Split the larger dimension in whole tiles, so the tile grid is the same as single-threaded.
        if (M >= N) {
            int units = (M + MR - 1) / MR;
            int minUnits = (int) Math.max(1, PARALLEL_MIN_FLOPS / 2 / (2L * MR * N * K));
            par.forRange(units, minUnits, (lo, hi) -> block(transA, transB, M, N, K,
                    lo * MR, Math.min(M, hi * MR), 0, N, alpha, A, aOff, B, bOff, beta, C, cOff));
        } else {
            int units = (N + NR - 1) / NR;
            int minUnits = (int) Math.max(1, PARALLEL_MIN_FLOPS / 2 / (2L * NR * M * K));
            par.forRange(units, minUnits, (lo, hi) -> block(transA, transB, M, N, K,
                    0, M, lo * NR, Math.min(N, hi * NR), alpha, A, aOff, B, bOff, beta, C, cOff));
        }
    }

    /** C[i0:i1, j0:j1] of one item, all of K, on this thread. i0 % MR == 0, j0 % NR == 0. */
    private static void block(boolean transA, boolean transB, int M, int N, int K, int i0, int i1, int j0, int j1,
                              float alpha, MemorySegment A, long aOff, MemorySegment B, long bOff,
                              float beta, MemorySegment C, long cOff) {
        Scratch s = SCRATCH.get();
        int kBlocks = (K + KC - 1) / KC;
        int kcStd = (K + kBlocks - 1) / kBlocks;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            int ncPad = (nc + NR - 1) / NR * NR;
            for (int pc = 0; pc < K; pc += kcStd) {
                int kc = Math.min(kcStd, K - pc);
                float[] bp = s.b(kc * ncPad);
                packB(transB, B, bOff, N, K, pc, kc, jc, nc, bp, s);
                float betaEff = pc == 0 ? beta : 1f; // later K blocks accumulate onto the first
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    float[] ap = s.a(kc * ((mc + MR - 1) / MR * MR));
                    packA(transA, A, aOff, M, K, ic, mc, pc, kc, ap, s);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir);
                            long cTile = cOff + 4L * ((long) (ic + ir) * N + jc + jr);
                            kernel(ap, ir * kc, bp, jr * kc, kc, alpha, betaEff, C, cTile, 4L * N, rows, cols, s.tile);
                        }
                    }
                }
            }
        }
    }

    /*
     * Packing reads the source in bulk (MemorySegment.copy of whole contiguous runs into the
     * staging array) and interleaves array-to-array: per-element segment reads cost ~3x more.
     */

    /** Packs op(A)[ic:ic+mc, pc:pc+kc] as MR-row slivers, each [kc][MR], zero-padded to MR rows. */
    private static void packA(boolean transA, MemorySegment A, long aOff, int M, int K, int ic, int mc, int pc, int kc,
                              float[] ap, Scratch s) {
        if (!transA) { // A [M,K]: stage MR rows [MR][kc], then interleave to [kc][MR]
            float[] t = s.stage(MR * kc);
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir);
                for (int r = 0; r < rows; r++)
                    MemorySegment.copy(A, F, aOff + 4L * ((long) (ic + ir + r) * K + pc), t, r * kc, kc);
                if (rows < MR) java.util.Arrays.fill(t, rows * kc, MR * kc, 0f);
                int d = ir * kc;
                for (int k = 0; k < kc; k++, d += MR) {
                    ap[d] = t[k];
                    ap[d + 1] = t[kc + k];
                    ap[d + 2] = t[2 * kc + k];
                    ap[d + 3] = t[3 * kc + k];
                    ap[d + 4] = t[4 * kc + k];
                    ap[d + 5] = t[5 * kc + k];
                }
            }
        } else { // A [K,M]: row k holds op(A)[ic:ic+mc, k] contiguously; split it across slivers
            int mcPad = (mc + MR - 1) / MR * MR;
            float[] t = s.stage(mcPad);
            java.util.Arrays.fill(t, mc, mcPad, 0f);
            for (int k = 0; k < kc; k++) {
                MemorySegment.copy(A, F, aOff + 4L * ((long) (pc + k) * M + ic), t, 0, mc);
                for (int ir = 0, d = k * MR; ir < mcPad; ir += MR, d += MR * kc) {
                    ap[d] = t[ir];
                    ap[d + 1] = t[ir + 1];
                    ap[d + 2] = t[ir + 2];
                    ap[d + 3] = t[ir + 3];
                    ap[d + 4] = t[ir + 4];
                    ap[d + 5] = t[ir + 5];
                }
            }
        }
    }

    /** Packs op(B)[pc:pc+kc, jc:jc+nc] as NR-column slivers, each [kc][NR], zero-padded to NR columns. */
    private static void packB(boolean transB, MemorySegment B, long bOff, int N, int K, int pc, int kc, int jc, int nc,
                              float[] bp, Scratch s) {
        if (!transB) { // B [K,N]: each sliver row is a contiguous run
            for (int jr = 0; jr < nc; jr += NR) {
                int cols = Math.min(NR, nc - jr);
                int d = jr * kc;
                for (int k = 0; k < kc; k++, d += NR) {
                    MemorySegment.copy(B, F, bOff + 4L * ((long) (pc + k) * N + jc + jr), bp, d, cols);
                    if (cols < NR) java.util.Arrays.fill(bp, d + cols, d + NR, 0f);
                }
            }
        } else { // B [N,K]: stage NR rows [NR][kc], then transpose to [kc][NR]
            float[] t = s.stage(NR * kc);
            for (int jr = 0; jr < nc; jr += NR) {
                int cols = Math.min(NR, nc - jr);
                for (int c = 0; c < cols; c++)
                    MemorySegment.copy(B, F, bOff + 4L * ((long) (jc + jr + c) * K + pc), t, c * kc, kc);
                if (cols < NR) java.util.Arrays.fill(t, cols * kc, NR * kc, 0f);
                int base = jr * kc;
                for (int c = 0; c < NR; c++) {
                    int src = c * kc;
                    for (int k = 0, d = base + c; k < kc; k++, d += NR) bp[d] = t[src + k];
                }
            }
        }
    }

    /**
     * C tile [rows, cols] (at byte offset cTile, row pitch ldc bytes) = alpha * A sliver * B sliver
     * + beta * C. Always computes the full padded MR x NR tile; partial tiles go through {@code tile}.
     */
    private static void kernel(float[] a, int ai, float[] b, int bi, int kc, float alpha, float beta,
                               MemorySegment C, long cTile, long ldc, int rows, int cols, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int k = 0; k < kc; k++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        // Spill to the tile, then update C in a separate method: inlining six C updates here
        // overflows C2's inlining budget and boxes the accumulators.
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        if (cols == NR) storeTile(tile, alpha, beta, C, cTile, ldc, rows);
        else storeEdge(tile, alpha, beta, C, cTile, ldc, rows, cols);
    }

    /** C rows [rows, NR] = alpha * tile + beta * C. Same float ops as {@link #storeEdge}, so edges round alike. */
    private static void storeTile(float[] tile, float alpha, float beta, MemorySegment C, long cTile, long ldc,
                                  int rows) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int r = 0; r < rows; r++) {
            long off = cTile + r * ldc;
            for (int v = 0; v < NR; v += L, off += 4L * L) {
                FloatVector acc = FloatVector.fromArray(S, tile, r * NR + v);
                FloatVector out;
                if (beta == 0f) out = acc.mul(va);
                else if (beta == 1f) out = acc.fma(va, FloatVector.fromMemorySegment(S, C, off, LE));
                else out = acc.fma(va, FloatVector.fromMemorySegment(S, C, off, LE).mul(beta));
                out.intoMemorySegment(C, off, LE);
            }
        }
    }

    private static void storeEdge(float[] tile, float alpha, float beta, MemorySegment C, long cTile, long ldc,
                                  int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            long off = cTile + r * ldc;
            for (int c = 0; c < cols; c++) {
                float acc = tile[r * NR + c];
                long o = off + 4L * c;
                float v;
                if (beta == 0f) v = acc * alpha;
                else if (beta == 1f) v = Math.fma(acc, alpha, C.get(F, o));
                else v = Math.fma(acc, alpha, C.get(F, o) * beta);
                C.set(F, o, v);
            }
        }
    }
}
