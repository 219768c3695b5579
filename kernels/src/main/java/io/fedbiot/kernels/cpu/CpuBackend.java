package io.fedbiot.kernels.cpu;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.HostMemory;
import io.fedbiot.kernels.RopeStyle;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import static io.fedbiot.kernels.cpu.NativeOp.*;

/**
 * The native CPU backend: the C kernels of native/c called through FFM on host memory (any
 * {@link HostBuf}). Arguments are checked here (sizes against buffer bytes, ids, shapes) because
 * C does not bounds-check; then one downcall ({@link NativeKernels#call}, which turns a failed
 * status into IllegalArgumentException or OutOfMemoryError) runs the kernel on the library's fixed
 * thread pool (sized once per process, to the cores unless {@code fedbiot.native.threads} says otherwise).
 */
public final class CpuBackend implements Backend {
    private static final Map<Isa, CpuBackend> SHARED = new EnumMap<>(Isa.class);
    private static final boolean FUSED_GW = Boolean.getBoolean("fedbiot.native.fusedClassifierGrad");

    private final NativeKernels k;
    private final Isa isa;
    private final boolean best;
    private final int threads;
    private final HostMemory memory = new HostMemory();

    private CpuBackend(NativeKernels k, Isa isa, boolean best, int threads) {
        this.k = k;
        this.isa = isa;
        this.best = best;
        this.threads = threads;
    }

    /** The backend on the best ISA of this CPU, or empty when the library is unavailable. */
    public static Optional<CpuBackend> best() {
        NativeLibrary lib = NativeLibrary.get();
        return lib == null ? Optional.empty() : of(lib.bestIsa());
    }

    /** The backend forced onto one ISA variant; empty when the library or this CPU lacks it. */
    public static synchronized Optional<CpuBackend> of(Isa isa) {
        NativeLibrary lib = NativeLibrary.get();
        if (lib == null || isa.ordinal() > lib.bestIsa().ordinal()) return Optional.empty();
        CpuBackend be = SHARED.get(isa);
        if (be == null) {
            NativeKernels k = NativeKernels.of(lib, isa);
            int want = Integer.getInteger("fedbiot.native.threads", Runtime.getRuntime().availableProcessors());
            be = new CpuBackend(k, isa, isa == lib.bestIsa(), lib.init(want));
            SHARED.put(isa, be);
        }
        return Optional.of(be);
    }

    public Isa isa() {
        return isa;
    }

    /** "native" on the best ISA; "native-avx2" etc. when forced onto a lower one. */
    @Override public String name() { return best ? "native" : "native-" + isa.label(); }
    @Override public boolean isHost() { return true; }
    @Override public int threads() { return threads; }
    @Override public String toString() { return name() + " (" + isa.label() + ", " + threads + " threads)"; }

    /** GEMM tile sizes of this variant: {MR, NR, KC, MC, NC}. */
    public int[] gemmBlocking() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT, 5);
            k.call(GEMM_BLOCKING, out);
            return out.toArray(ValueLayout.JAVA_INT);
        }
    }

    @Override public Buf allocate(long bytes, Arena arena) { return memory.allocate(this, bytes, arena); }
    @Override public long liveBytes() { return memory.liveBytes(); }
    @Override public void toHost(Buf src, MemorySegment dst) { HostMemory.toHost(src, dst); }
    @Override public void fromHost(MemorySegment src, Buf dst) { HostMemory.fromHost(src, dst); }

    // ---- argument checks: C reads and writes raw pointers --------------------------------

    /** The segment of b, which must hold at least {@code elems} 4-byte elements. */
    private static MemorySegment s(Buf b, long elems, String op, String name) {
        if (b == null) throw new NullPointerException(op + ": " + name + " is null");
        MemorySegment seg = HostBuf.of(b);
        if (elems < 0) throw new IllegalArgumentException(op + ": negative size for " + name + ": " + elems);
        if (seg.byteSize() < 4 * elems)
            throw new IllegalArgumentException(op + ": " + name + " has " + seg.byteSize() + " bytes, needs " + 4 * elems);
        return seg;
    }

    /** Like {@link #s} but null becomes MemorySegment.NULL (an optional argument). */
    private static MemorySegment o(Buf b, long elems, String op, String name) {
        return b == null ? MemorySegment.NULL : s(b, elems, op, name);
    }

    // ---- GEMM --------------------------------------------------------------------------

    @Override
    public void gemm(int batch, boolean transA, boolean transB, int M, int N, int K, float alpha,
                     Buf A, long strideA, Buf B, long strideB, float beta, Buf C, long strideC) {
        if (batch < 0 || M < 0 || N < 0 || K < 0)
            throw new IllegalArgumentException("gemm: negative size batch=" + batch + " M=" + M + " N=" + N + " K=" + K);
        if (batch == 0 || M == 0 || N == 0) return;
        MemorySegment c = s(C, span(batch, strideC, (long) M * N, "C"), "gemm", "C");
        boolean readsAB = K != 0 && alpha != 0f;
        MemorySegment a = readsAB ? s(A, span(batch, strideA, (long) M * K, "A"), "gemm", "A") : HostBuf.of(A);
        MemorySegment b = readsAB ? s(B, span(batch, strideB, (long) K * N, "B"), "gemm", "B") : HostBuf.of(B);
        k.call(GEMM, batch, transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, a, strideA, b, strideB, beta, c, strideC);
    }

    private static long span(int batch, long stride, long elems, String name) {
        if (stride < 0) throw new IllegalArgumentException("gemm: negative stride for " + name + ": " + stride);
        return (batch - 1) * stride + elems;
    }

    // ---- element-wise --------------------------------------------------------------------

    @Override
    public void fill(Buf x, long n, float value) {
        k.call(FILL, s(x, n, "fill", "x"), n, value);
    }

    @Override
    public void copy(Buf dst, Buf src, long n) {
        k.call(COPY, s(dst, n, "copy", "dst"), s(src, n, "copy", "src"), n);
    }

    @Override
    public void add(Buf out, Buf a, Buf b, long n) {
        k.call(ADD, s(out, n, "add", "out"), s(a, n, "add", "a"), s(b, n, "add", "b"), n);
    }

    @Override
    public void mul(Buf out, Buf a, Buf b, long n) {
        k.call(MUL, s(out, n, "mul", "out"), s(a, n, "mul", "a"), s(b, n, "mul", "b"), n);
    }

    @Override
    public void mulAcc(Buf y, Buf a, Buf b, long n) {
        k.call(MUL_ACC, s(y, n, "mulAcc", "y"), s(a, n, "mulAcc", "a"), s(b, n, "mulAcc", "b"), n);
    }

    @Override
    public void scale(Buf out, Buf x, float sc, long n) {
        k.call(SCALE, s(out, n, "scale", "out"), s(x, n, "scale", "x"), sc, n);
    }

    @Override
    public void axpy(Buf y, float alpha, Buf x, long n) {
        k.call(AXPY, s(y, n, "axpy", "y"), alpha, s(x, n, "axpy", "x"), n);
    }

    @Override
    public void addScalar(Buf y, Buf sc, float factor, long n) {
        k.call(ADD_SCALAR, s(y, n, "addScalar", "y"), s(sc, 1, "addScalar", "s"), factor, n);
    }

    @Override
    public void sum(Buf out, Buf x, long n) {
        k.call(SUM, s(out, 1, "sum", "out"), s(x, n, "sum", "x"), n);
    }

    @Override
    public void sumSquares(Buf out, Buf x, long n) {
        k.call(SUM_SQUARES, s(out, 1, "sumSquares", "out"), s(x, n, "sumSquares", "x"), n);
    }

    // ---- embedding, RMSNorm, RoPE ----------------------------------------------------------

    @Override
    public void embeddingForward(Buf out, Buf table, Buf ids, int N, int C, int V) {
        MemorySegment idSeg = s(ids, N, "embedding", "ids");
        k.call(EMBEDDING_FORWARD, s(out, (long) N * C, "embedding", "out"), s(table, (long) V * C, "embedding", "table"),
                idSeg, N, C, V);
    }

    @Override
    public void embeddingBackward(Buf dTable, Buf dOut, Buf ids, int N, int C) {
        if (N <= 0 || C <= 0) return;
        MemorySegment idSeg = s(ids, N, "embeddingBackward", "ids");
        long V = dTable.byteSize() / (4L * C);
        k.call(EMBEDDING_BACKWARD, HostBuf.of(dTable), s(dOut, (long) N * C, "embeddingBackward", "dOut"), idSeg, N, C, V);
    }

    @Override
    public void rmsnormForward(Buf y, Buf rstd, Buf x, Buf w, int N, int C, float eps) {
        long n = (long) N * C;
        k.call(RMSNORM_FORWARD, s(y, n, "rmsnorm", "y"), s(rstd, N, "rmsnorm", "rstd"), s(x, n, "rmsnorm", "x"),
                s(w, C, "rmsnorm", "w"), N, C, eps);
    }

    @Override
    public void rmsnormBackward(Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rstd, int N, int C) {
        if (dx == null && dw == null) return;
        long n = (long) N * C;
        String op = "rmsnormBackward";
        k.call(RMSNORM_BACKWARD, o(dx, n, op, "dx"), o(dw, C, op, "dw"), s(dy, n, op, "dy"), s(x, n, op, "x"),
                s(w, C, op, "w"), s(rstd, N, op, "rstd"), N, C);
    }

    @Override
    public void ropeForward(Buf out, Buf x, int B, int T, int H, int D, int pos0, float theta, RopeStyle style) {
        rope(out, x, B, T, H, D, pos0, theta, style, false);
    }

    @Override
    public void ropeBackward(Buf dx, Buf dOut, int B, int T, int H, int D, int pos0, float theta, RopeStyle style) {
        rope(dx, dOut, B, T, H, D, pos0, theta, style, true);
    }

    private void rope(Buf dst, Buf src, int B, int T, int H, int D, int pos0, float theta, RopeStyle style, boolean back) {
        if (D <= 0 || (D & 1) != 0) throw new IllegalArgumentException("rope: head size D must be even and positive, got " + D);
        long n = (long) B * T * H * D;
        k.call(ROPE, s(dst, n, "rope", "out"), s(src, n, "rope", "x"), B, T, H, D, pos0, theta,
                style == RopeStyle.INTERLEAVED ? 1 : 0, back ? 1 : 0);
    }

    // ---- attention -------------------------------------------------------------------------

    private static void checkAttention(int B, int Tq, int Tk, int H, int G, int D) {
        if (B < 0 || Tq < 0 || D < 0 || G <= 0 || H < 0 || H % G != 0 || Tk < Tq)
            throw new IllegalArgumentException("attention: bad shapes B=" + B + " Tq=" + Tq + " Tk=" + Tk
                    + " H=" + H + " G=" + G + " D=" + D + " (need Tk >= Tq, H % G == 0)");
    }

    @Override
    public void attentionForward(Buf out, Buf lse, Buf q, Buf kk, Buf v, int B, int Tq, int Tk, int H, int G, int D, float scale) {
        checkAttention(B, Tq, Tk, H, G, D);
        long nq = (long) B * Tq * H * D, nkv = (long) B * Tk * G * D;
        String op = "attention";
        k.call(ATTENTION_FORWARD, s(out, nq, op, "out"), s(lse, (long) B * H * Tq, op, "lse"), s(q, nq, op, "q"),
                s(kk, nkv, op, "k"), s(v, nkv, op, "v"), B, Tq, Tk, H, G, D, scale);
    }

    @Override
    public void attentionBackward(Buf dq, Buf dk, Buf dv, Buf dOut, Buf out, Buf lse, Buf q, Buf kk, Buf v,
                                  int B, int Tq, int Tk, int H, int G, int D, float scale) {
        checkAttention(B, Tq, Tk, H, G, D);
        if (dq == null && dk == null && dv == null) return;
        long nq = (long) B * Tq * H * D, nkv = (long) B * Tk * G * D;
        String op = "attentionBackward";
        k.call(ATTENTION_BACKWARD, o(dq, nq, op, "dq"), o(dk, nkv, op, "dk"), o(dv, nkv, op, "dv"),
                s(dOut, nq, op, "dOut"), s(out, nq, op, "out"), s(lse, (long) B * H * Tq, op, "lse"),
                s(q, nq, op, "q"), s(kk, nkv, op, "k"), s(v, nkv, op, "v"), B, Tq, Tk, H, G, D, scale);
    }

    // ---- SwiGLU, dropout, optimizers --------------------------------------------------------

    @Override
    public void swigluForward(Buf out, Buf a, Buf b, long n) {
        k.call(SWIGLU_FORWARD, s(out, n, "swiglu", "out"), s(a, n, "swiglu", "a"), s(b, n, "swiglu", "b"), n);
    }

    @Override
    public void swigluBackward(Buf da, Buf db, Buf dOut, Buf a, Buf b, long n) {
        if (da == null && db == null) return;
        String op = "swigluBackward";
        k.call(SWIGLU_BACKWARD, o(da, n, op, "da"), o(db, n, op, "db"), s(dOut, n, op, "dOut"), s(a, n, op, "a"), s(b, n, op, "b"), n);
    }

    @Override
    public void dropout(Buf out, Buf mask, Buf x, long n, float p, long seed) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout p must be in [0, 1], got " + p);
        k.call(DROPOUT, s(out, n, "dropout", "out"), s(mask, n, "dropout", "mask"), s(x, n, "dropout", "x"), n, p, seed);
    }

    @Override
    public void adamw(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        if (step < 1) throw new IllegalArgumentException("adamw step must be >= 1, got " + step);
        k.call(ADAMW, s(p, n, "adamw", "p"), s(g, n, "adamw", "g"), s(m, n, "adamw", "m"), s(v, n, "adamw", "v"), n,
                lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void sgd(Buf p, Buf g, Buf buf, long n, float lr, float momentum, float weightDecay) {
        if (momentum != 0f && buf == null)
            throw new IllegalArgumentException("sgd with momentum " + momentum + " needs a momentum buffer");
        MemorySegment b = momentum != 0f ? s(buf, n, "sgd", "buf") : MemorySegment.NULL;
        k.call(SGD, s(p, n, "sgd", "p"), s(g, n, "sgd", "g"), b, n, lr, momentum, weightDecay);
    }

    // ---- losses -----------------------------------------------------------------------------

    @Override
    public void crossEntropyForward(Buf loss, Buf lse, Buf logits, Buf targets, Buf mask, int N, int V) {
        String op = "crossEntropy";
        MemorySegment tg = s(targets, N, op, "targets");
        k.call(CROSS_ENTROPY_FORWARD, s(loss, 1, op, "loss"), s(lse, N, op, "lse"), s(logits, (long) N * V, op, "logits"),
                tg, o(mask, N, op, "mask"), N, V);
    }

    @Override
    public void crossEntropyBackward(Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask, int N, int V) {
        String op = "crossEntropyBackward";
        MemorySegment tg = s(targets, N, op, "targets");
        long nv = (long) N * V;
        k.call(CROSS_ENTROPY_BACKWARD, s(dLogits, nv, op, "dLogits"), s(dLoss, 1, op, "dLoss"), s(logits, nv, op, "logits"),
                s(lse, N, op, "lse"), tg, o(mask, N, op, "mask"), N, V);
    }

    @Override
    public void klForward(Buf kl, Buf P, Buf Q, Buf mask, int N, int V) {
        long nv = (long) N * V;
        k.call(KL_FORWARD, s(kl, 1, "kl", "kl"), s(P, nv, "kl", "P"), s(Q, nv, "kl", "Q"), o(mask, N, "kl", "mask"), N, V);
    }

    @Override
    public void klBackward(Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask, int N, int V) {
        if (dP == null && dQ == null) return;
        long nv = (long) N * V;
        String op = "klBackward";
        k.call(KL_BACKWARD, o(dP, nv, op, "dP"), o(dQ, nv, op, "dQ"), s(dKl, 1, op, "dKl"), s(P, nv, op, "P"),
                s(Q, nv, op, "Q"), o(mask, N, op, "mask"), N, V);
    }

    @Override
    public void nmseForward(Buf out, Buf a, Buf b, Buf mask, int N, int C) {
        long n = (long) N * C;
        k.call(NMSE_FORWARD, s(out, 1, "nmse", "out"), s(a, n, "nmse", "a"), s(b, n, "nmse", "b"), o(mask, N, "nmse", "mask"), N, C);
    }

    @Override
    public void nmseBackward(Buf dA, Buf dB, Buf dOut, Buf a, Buf b, Buf mask, int N, int C) {
        if (dA == null && dB == null) return;
        long n = (long) N * C;
        String op = "nmseBackward";
        k.call(NMSE_BACKWARD, o(dA, n, op, "dA"), o(dB, n, op, "dB"), s(dOut, 1, op, "dOut"), s(a, n, op, "a"),
                s(b, n, op, "b"), o(mask, N, op, "mask"), N, C);
    }

    /**
     * Without a classifier gradient (LoRA, evaluation): fused in vocabulary chunks
     * (native/c/fb_linear_ce.c), no [N,V] buffer at all, the same two GEMMs as unfused. With gW
     * (full training) the chunked kernel needs a third pass over the classifier (gW cannot be
     * formed before a row's lse is known) and measured slower than the row-chunked composition
     * of the default method (3 GEMM passes, two [R,V] buffers), which is used then.
     * {@code -Dfedbiot.native.fusedClassifierGrad=true} forces the chunked kernel for gW too.
     */
    @Override
    public void linearCrossEntropy(Buf loss, Buf gh, Buf gW, Buf h, Buf W, Buf targets, Buf mask, int N, int C, int V) {
        if (gW != null && !FUSED_GW) {
            Backend.super.linearCrossEntropy(loss, gh, gW, h, W, targets, mask, N, C, V);
            return;
        }
        String op = "linearCrossEntropy";
        MemorySegment tg = s(targets, N, op, "targets");
        k.call(LINEAR_CROSS_ENTROPY, s(loss, 1, op, "loss"), o(gh, (long) N * C, op, "gh"), o(gW, (long) V * C, op, "gW"),
                s(h, (long) N * C, op, "h"), s(W, (long) V * C, op, "W"), tg, o(mask, N, op, "mask"), N, C, V);
    }
}
