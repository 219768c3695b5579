package io.fedbiot.kernels.cpu;

import io.fedbiot.kernels.AdamWStep;
import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.Classifier;
import io.fedbiot.kernels.Dropout;
import io.fedbiot.kernels.Embedding;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.HostMemory;
import io.fedbiot.kernels.KernelChecks;
import io.fedbiot.kernels.RmsNorm;
import io.fedbiot.kernels.Rope;
import io.fedbiot.kernels.RopeStyle;
import io.fedbiot.kernels.Rows;
import io.fedbiot.kernels.SgdStep;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import static io.fedbiot.kernels.cpu.NativeOp.*;

/**
 * The native CPU backend: the C kernels of native/c called through FFM on host memory (any
 * {@link HostBuf}). Buffer sizes are checked here ({@link KernelChecks}; shapes by their records)
 * because C does not bounds-check; then one downcall ({@link NativeKernels#call}, which turns a failed
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
        return HostBuf.need(op, name, b, elems);
    }

    /** Like {@link #s} but null becomes MemorySegment.NULL (an optional argument). */
    private static MemorySegment o(Buf b, long elems, String op, String name) {
        return b == null ? MemorySegment.NULL : s(b, elems, op, name);
    }

    // ---- GEMM --------------------------------------------------------------------------

    @Override
    public void gemm(GemmShape g, float alpha, Buf A, Buf B, float beta, Buf C) {
        if (g.isEmpty()) return;
        MemorySegment c = s(C, g.spanC(), "gemm", "C");
        boolean readsAB = g.readsAB(alpha);
        MemorySegment a = readsAB ? s(A, g.spanA(), "gemm", "A") : MemorySegment.NULL; // C does not read them then
        MemorySegment b = readsAB ? s(B, g.spanB(), "gemm", "B") : MemorySegment.NULL;
        k.call(GEMM, g.batch(), g.transA() ? 1 : 0, g.transB() ? 1 : 0, g.M(), g.N(), g.K(), alpha, a, g.strideA(), b,
                g.strideB(), beta, c, g.strideC());
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
    public void embeddingForward(Embedding e, Buf out, Buf table, Buf ids) {
        int N = e.N(), C = e.C(), V = e.V();
        MemorySegment idSeg = s(ids, N, "embedding", "ids");
        k.call(EMBEDDING_FORWARD, s(out, (long) N * C, "embedding", "out"), s(table, (long) V * C, "embedding", "table"),
                idSeg, N, C, V);
    }

    @Override
    public void embeddingBackward(Embedding e, Buf dTable, Buf dOut, Buf ids) {
        int N = e.N(), C = e.C();
        long V = e.V();
        if (N == 0) return;
        String op = "embeddingBackward";
        k.call(EMBEDDING_BACKWARD, s(dTable, V * C, op, "dTable"), s(dOut, (long) N * C, op, "dOut"), s(ids, N, op, "ids"), N, C, V);
    }

    @Override
    public void rmsnormForward(RmsNorm r, Buf y, Buf rstd, Buf x, Buf w) {
        int N = r.N(), C = r.C();
        long n = r.n();
        k.call(RMSNORM_FORWARD, s(y, n, "rmsnorm", "y"), s(rstd, N, "rmsnorm", "rstd"), s(x, n, "rmsnorm", "x"),
                s(w, C, "rmsnorm", "w"), N, C, r.eps());
    }

    @Override
    public void rmsnormBackward(RmsNorm r, Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rstd) {
        if (dx == null && dw == null) return;
        int N = r.N(), C = r.C();
        long n = r.n();
        String op = "rmsnormBackward";
        k.call(RMSNORM_BACKWARD, o(dx, n, op, "dx"), o(dw, C, op, "dw"), s(dy, n, op, "dy"), s(x, n, op, "x"),
                s(w, C, op, "w"), s(rstd, N, op, "rstd"), N, C);
    }

    @Override
    public void ropeForward(Rope r, Buf out, Buf x) {
        rope(r, s(out, r.n(), "rope", "out"), s(x, r.n(), "rope", "x"), false);
    }

    @Override
    public void ropeBackward(Rope r, Buf dx, Buf dOut) {
        rope(r, s(dx, r.n(), "ropeBackward", "dx"), s(dOut, r.n(), "ropeBackward", "dOut"), true);
    }

    private void rope(Rope r, MemorySegment dst, MemorySegment src, boolean back) {
        k.call(ROPE, dst, src, r.B(), r.T(), r.H(), r.D(), r.pos0(), r.theta(), r.style() == RopeStyle.INTERLEAVED ? 1 : 0, back ? 1 : 0);
    }

    // ---- attention -------------------------------------------------------------------------

    @Override
    public void attentionForward(Attention a, AttentionIo io) {
        long nq = a.nq(), nkv = a.nkv();
        String op = "attention";
        k.call(ATTENTION_FORWARD, s(io.out(), nq, op, "out"), s(io.lse(), a.rows(), op, "lse"), s(io.q(), nq, op, "q"),
                s(io.k(), nkv, op, "k"), s(io.v(), nkv, op, "v"), a.B(), a.Tq(), a.Tk(), a.H(), a.G(), a.D(), a.scale());
    }

    @Override
    public void attentionBackward(Attention a, AttentionIo io, Buf dOut, AttentionGrads g) {
        if (g.none()) return;
        long nq = a.nq(), nkv = a.nkv();
        String op = "attentionBackward";
        k.call(ATTENTION_BACKWARD, o(g.dq(), nq, op, "dq"), o(g.dk(), nkv, op, "dk"), o(g.dv(), nkv, op, "dv"),
                s(dOut, nq, op, "dOut"), s(io.out(), nq, op, "out"), s(io.lse(), a.rows(), op, "lse"),
                s(io.q(), nq, op, "q"), s(io.k(), nkv, op, "k"), s(io.v(), nkv, op, "v"), a.B(), a.Tq(), a.Tk(), a.H(), a.G(), a.D(),
                a.scale());
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
    public void dropout(Dropout d, Buf out, Buf mask, Buf x, long n) {
        k.call(DROPOUT, s(out, n, "dropout", "out"), s(mask, n, "dropout", "mask"), s(x, n, "dropout", "x"), n, d.p(), d.seed());
    }

    @Override
    public void adamw(AdamWStep st, Buf p, Buf g, Buf m, Buf v, long n) {
        k.call(ADAMW, s(p, n, "adamw", "p"), s(g, n, "adamw", "g"), s(m, n, "adamw", "m"), s(v, n, "adamw", "v"), n,
                st.lr(), st.beta1(), st.beta2(), st.eps(), st.weightDecay(), st.step());
    }

    @Override
    public void sgd(SgdStep st, Buf p, Buf g, Buf buf, long n) {
        MemorySegment b = st.usesBuffer() ? s(buf, n, "sgd", "buf") : MemorySegment.NULL;
        k.call(SGD, s(p, n, "sgd", "p"), s(g, n, "sgd", "g"), b, n, st.lr(), st.momentum(), st.weightDecay());
    }

    // ---- losses -----------------------------------------------------------------------------

    @Override
    public void crossEntropyForward(Rows r, Buf loss, Buf lse, Buf logits, Buf targets, Buf mask) {
        int N = r.N(), V = r.V();
        String op = "crossEntropy";
        MemorySegment tg = s(targets, N, op, "targets");
        k.call(CROSS_ENTROPY_FORWARD, s(loss, 1, op, "loss"), s(lse, N, op, "lse"), s(logits, r.n(), op, "logits"),
                tg, o(mask, N, op, "mask"), N, V);
    }

    @Override
    public void crossEntropyBackward(Rows r, Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask) {
        int N = r.N(), V = r.V();
        String op = "crossEntropyBackward";
        MemorySegment tg = s(targets, N, op, "targets");
        long nv = r.n();
        k.call(CROSS_ENTROPY_BACKWARD, s(dLogits, nv, op, "dLogits"), s(dLoss, 1, op, "dLoss"), s(logits, nv, op, "logits"),
                s(lse, N, op, "lse"), tg, o(mask, N, op, "mask"), N, V);
    }

    @Override
    public void klForward(Rows r, Buf kl, Buf P, Buf Q, Buf mask) {
        rowLoss(KL_FORWARD, "kl", KernelChecks.KL_ARGS, r, kl, P, Q, mask);
    }

    @Override
    public void klBackward(Rows r, Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask) {
        rowLossBackward(KL_BACKWARD, "klBackward", KernelChecks.KL_BACKWARD_ARGS, r, dP, dQ, dKl, P, Q, mask);
    }

    @Override
    public void nmseForward(Rows r, Buf out, Buf a, Buf b, Buf mask) {
        rowLoss(NMSE_FORWARD, "nmse", KernelChecks.NMSE_ARGS, r, out, a, b, mask);
    }

    @Override
    public void nmseBackward(Rows r, Buf dA, Buf dB, Buf dOut, Buf a, Buf b, Buf mask) {
        rowLossBackward(NMSE_BACKWARD, "nmseBackward", KernelChecks.NMSE_BACKWARD_ARGS, r, dA, dB, dOut, a, b, mask);
    }

    /** KL and NMSE share one C signature: out [1], two [N,V] operands, an optional row mask [N]; names: out, a, b. */
    private void rowLoss(NativeOp op, String what, List<String> names, Rows r, Buf out, Buf a, Buf b, Buf mask) {
        long nv = r.n();
        k.call(op, s(out, 1, what, names.get(0)), s(a, nv, what, names.get(1)), s(b, nv, what, names.get(2)), o(mask, r.N(), what, "mask"),
                r.N(), r.V());
    }

    /** Their backwards too: optional da, db [N,V] accumulated, dOut [1]; names: da, db, dOut, a, b. */
    private void rowLossBackward(NativeOp op, String what, List<String> names, Rows r, Buf da, Buf db, Buf dOut, Buf a, Buf b, Buf mask) {
        if (da == null && db == null) return;
        long nv = r.n();
        k.call(op, o(da, nv, what, names.get(0)), o(db, nv, what, names.get(1)), s(dOut, 1, what, names.get(2)), s(a, nv, what, names.get(3)),
                s(b, nv, what, names.get(4)), o(mask, r.N(), what, "mask"), r.N(), r.V());
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
    public void linearCrossEntropy(Classifier shape, Buf loss, Buf gh, Buf gW, Buf h, Buf W, Buf targets, Buf mask) {
        if (gW != null && !FUSED_GW) {
            Backend.super.linearCrossEntropy(shape, loss, gh, gW, h, W, targets, mask);
            return;
        }
        int N = shape.N(), C = shape.C(), V = shape.V();
        String op = "linearCrossEntropy";
        MemorySegment tg = s(targets, N, op, "targets");
        k.call(LINEAR_CROSS_ENTROPY, s(loss, 1, op, "loss"), o(gh, (long) N * C, op, "gh"), o(gW, (long) V * C, op, "gW"),
                s(h, (long) N * C, op, "h"), s(W, (long) V * C, op, "W"), tg, o(mask, N, op, "mask"), N, C, V);
    }
}
