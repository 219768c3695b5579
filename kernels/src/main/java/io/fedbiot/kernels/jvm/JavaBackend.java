package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.AdamWStep;
import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.Dropout;
import io.fedbiot.kernels.Embedding;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.HostMemory;
import io.fedbiot.kernels.KernelChecks;
import io.fedbiot.kernels.RmsNorm;
import io.fedbiot.kernels.Rope;
import io.fedbiot.kernels.Rows;
import io.fedbiot.kernels.SgdStep;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The pure-Java backend: Vector API kernels (species chosen once, scalar tails) on host memory,
 * multithreaded over a fixed pool. Each kernel group lives in its own file; this class checks
 * the buffers ({@link io.fedbiot.kernels.KernelChecks}) and routes.
 */
public final class JavaBackend implements Backend {
    private final Parallel par;
    private final HostMemory memory = new HostMemory();

    public JavaBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public JavaBackend(int threads) {
        this.par = new Parallel(threads);
    }

    @Override public String name() { return "java"; }
    @Override public boolean isHost() { return true; }
    @Override public int threads() { return par.threads(); }

    /** GEMM tile sizes of this JVM's vector width: {MR, NR, KC, MC, NC} (as CpuBackend.gemmBlocking). */
    public static int[] gemmBlocking() {
        return new int[]{JvmGemm.MR, JvmGemm.NR, JvmGemm.KC, JvmGemm.MC, JvmGemm.NC};
    }

    @Override public Buf allocate(long bytes, Arena arena) { return memory.allocate(this, bytes, arena); }
    @Override public long liveBytes() { return memory.liveBytes(); }
    @Override public void toHost(Buf src, MemorySegment dst) { HostMemory.toHost(src, dst); }
    @Override public void fromHost(MemorySegment src, Buf dst) { HostMemory.fromHost(src, dst); }

    /** The segment of a buffer that must hold {@code floats} floats. */
    private static MemorySegment s(Buf b, long floats, String op, String name) { return HostBuf.need(op, name, b, floats); }

    /** Like {@link #s}, null for an absent optional buffer. */
    private static MemorySegment o(Buf b, long floats, String op, String name) { return HostBuf.optional(op, name, b, floats); }

    @Override
    public void gemm(GemmShape g, float alpha, Buf A, Buf B, float beta, Buf C) {
        if (g.isEmpty()) return;
        MemorySegment c = s(C, g.spanC(), "gemm", "C");
        boolean reads = g.readsAB(alpha);
        MemorySegment a = reads ? s(A, g.spanA(), "gemm", "A") : null, b = reads ? s(B, g.spanB(), "gemm", "B") : null;
        JvmGemm.gemm(par, g.batch(), g.transA(), g.transB(), g.M(), g.N(), g.K(), alpha, a, g.strideA(), b, g.strideB(),
                beta, c, g.strideC());
    }

    @Override public void fill(Buf x, long n, float value) { JvmElementwise.fill(par, s(x, n, "fill", "x"), n, value); }
    @Override public void copy(Buf dst, Buf src, long n) { JvmElementwise.copy(par, s(dst, n, "copy", "dst"), s(src, n, "copy", "src"), n); }
    @Override public void add(Buf out, Buf a, Buf b, long n) { JvmElementwise.add(par, s(out, n, "add", "out"), s(a, n, "add", "a"), s(b, n, "add", "b"), n); }
    @Override public void mul(Buf out, Buf a, Buf b, long n) { JvmElementwise.mul(par, s(out, n, "mul", "out"), s(a, n, "mul", "a"), s(b, n, "mul", "b"), n); }
    @Override public void mulAcc(Buf y, Buf a, Buf b, long n) { JvmElementwise.mulAcc(par, s(y, n, "mulAcc", "y"), s(a, n, "mulAcc", "a"), s(b, n, "mulAcc", "b"), n); }
    @Override public void scale(Buf out, Buf x, float sc, long n) { JvmElementwise.scale(par, s(out, n, "scale", "out"), s(x, n, "scale", "x"), sc, n); }
    @Override public void axpy(Buf y, float alpha, Buf x, long n) { JvmElementwise.axpy(par, s(y, n, "axpy", "y"), alpha, s(x, n, "axpy", "x"), n); }
    @Override public void addScalar(Buf y, Buf sc, float factor, long n) { JvmElementwise.addScalar(par, s(y, n, "addScalar", "y"), s(sc, 1, "addScalar", "s"), factor, n); }
    @Override public void sum(Buf out, Buf x, long n) { JvmElementwise.sum(par, s(out, 1, "sum", "out"), s(x, n, "sum", "x"), n); }
    @Override public void sumSquares(Buf out, Buf x, long n) { JvmElementwise.sumSquares(par, s(out, 1, "sumSquares", "out"), s(x, n, "sumSquares", "x"), n); }

    @Override public void swigluForward(Buf out, Buf a, Buf b, long n) { JvmElementwise.swigluForward(par, s(out, n, "swiglu", "out"), s(a, n, "swiglu", "a"), s(b, n, "swiglu", "b"), n); }

    @Override
    public void swigluBackward(Buf da, Buf db, Buf dOut, Buf a, Buf b, long n) {
        String op = "swigluBackward";
        JvmElementwise.swigluBackward(par, o(da, n, op, "da"), o(db, n, op, "db"), s(dOut, n, op, "dOut"), s(a, n, op, "a"), s(b, n, op, "b"), n);
    }

    @Override
    public void dropout(Dropout d, Buf out, Buf mask, Buf x, long n) {
        JvmElementwise.dropout(par, s(out, n, "dropout", "out"), s(mask, n, "dropout", "mask"), s(x, n, "dropout", "x"), n, d.p(), d.seed());
    }

    @Override
    public void adamw(AdamWStep t, Buf p, Buf g, Buf m, Buf v, long n) {
        JvmElementwise.adamw(par, s(p, n, "adamw", "p"), s(g, n, "adamw", "g"), s(m, n, "adamw", "m"), s(v, n, "adamw", "v"), n,
                t.lr(), t.beta1(), t.beta2(), t.eps(), t.weightDecay(), t.step());
    }

    @Override
    public void sgd(SgdStep t, Buf p, Buf g, Buf buf, long n) {
        MemorySegment b = t.usesBuffer() ? s(buf, n, "sgd", "buf") : null;
        JvmElementwise.sgd(par, s(p, n, "sgd", "p"), s(g, n, "sgd", "g"), b, n, t.lr(), t.momentum(), t.weightDecay());
    }

    @Override
    public void embeddingForward(Embedding e, Buf out, Buf table, Buf ids) {
        String op = "embedding";
        JvmNorm.embeddingForward(par, s(out, (long) e.N() * e.C(), op, "out"), s(table, (long) e.V() * e.C(), op, "table"),
                s(ids, e.N(), op, "ids"), e.N(), e.C(), e.V());
    }

    @Override
    public void embeddingBackward(Embedding e, Buf dTable, Buf dOut, Buf ids) {
        String op = "embeddingBackward";
        JvmNorm.embeddingBackward(par, s(dTable, (long) e.V() * e.C(), op, "dTable"), s(dOut, (long) e.N() * e.C(), op, "dOut"),
                s(ids, e.N(), op, "ids"), e.N(), e.C(), e.V());
    }

    @Override
    public void rmsnormForward(RmsNorm r, Buf y, Buf rstd, Buf x, Buf w) {
        String op = "rmsnorm";
        JvmNorm.rmsnormForward(par, s(y, r.n(), op, "y"), s(rstd, r.N(), op, "rstd"), s(x, r.n(), op, "x"), s(w, r.C(), op, "w"),
                r.N(), r.C(), r.eps());
    }

    @Override
    public void rmsnormBackward(RmsNorm r, Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rstd) {
        String op = "rmsnormBackward";
        JvmNorm.rmsnormBackward(par, o(dx, r.n(), op, "dx"), o(dw, r.C(), op, "dw"), s(dy, r.n(), op, "dy"), s(x, r.n(), op, "x"),
                s(w, r.C(), op, "w"), s(rstd, r.N(), op, "rstd"), r.N(), r.C());
    }

    @Override
    public void ropeForward(Rope r, Buf out, Buf x) {
        JvmNorm.ropeForward(par, s(out, r.n(), "rope", "out"), s(x, r.n(), "rope", "x"), r.B(), r.T(), r.H(), r.D(), r.pos0(), r.theta(), r.style());
    }

    @Override
    public void ropeBackward(Rope r, Buf dx, Buf dOut) {
        String op = "ropeBackward";
        JvmNorm.ropeBackward(par, s(dx, r.n(), op, "dx"), s(dOut, r.n(), op, "dOut"), r.B(), r.T(), r.H(), r.D(), r.pos0(), r.theta(), r.style());
    }

    @Override
    public void attentionForward(Attention a, AttentionIo io) {
        String op = "attention";
        JvmAttention.forward(par, s(io.out(), a.nq(), op, "out"), s(io.lse(), a.rows(), op, "lse"), s(io.q(), a.nq(), op, "q"),
                s(io.k(), a.nkv(), op, "k"), s(io.v(), a.nkv(), op, "v"), a.B(), a.Tq(), a.Tk(), a.H(), a.G(), a.D(), a.scale());
    }

    @Override
    public void attentionBackward(Attention a, AttentionIo io, Buf dOut, AttentionGrads g) {
        String op = "attentionBackward";
        JvmAttention.backward(par, o(g.dq(), a.nq(), op, "dq"), o(g.dk(), a.nkv(), op, "dk"), o(g.dv(), a.nkv(), op, "dv"),
                s(dOut, a.nq(), op, "dOut"), s(io.out(), a.nq(), op, "out"), s(io.lse(), a.rows(), op, "lse"),
                s(io.q(), a.nq(), op, "q"), s(io.k(), a.nkv(), op, "k"), s(io.v(), a.nkv(), op, "v"),
                a.B(), a.Tq(), a.Tk(), a.H(), a.G(), a.D(), a.scale());
    }

    @Override
    public void crossEntropyForward(Rows r, Buf loss, Buf lse, Buf logits, Buf targets, Buf mask) {
        String op = "crossEntropy";
        JvmLosses.crossEntropyForward(par, s(loss, 1, op, "loss"), s(lse, r.N(), op, "lse"), s(logits, r.n(), op, "logits"),
                s(targets, r.N(), op, "targets"), o(mask, r.N(), op, "mask"), r.N(), r.V());
    }

    @Override
    public void crossEntropyBackward(Rows r, Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask) {
        String op = "crossEntropyBackward";
        JvmLosses.crossEntropyBackward(par, s(dLogits, r.n(), op, "dLogits"), s(dLoss, 1, op, "dLoss"), s(logits, r.n(), op, "logits"),
                s(lse, r.N(), op, "lse"), s(targets, r.N(), op, "targets"), o(mask, r.N(), op, "mask"), r.N(), r.V());
    }

    @Override
    public void klForward(Rows r, Buf kl, Buf P, Buf Q, Buf mask) {
        rowLoss(JvmLosses::klForward, "kl", KernelChecks.KL_ARGS, r, kl, P, Q, mask);
    }

    @Override
    public void klBackward(Rows r, Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask) {
        rowLossBackward(JvmLosses::klBackward, "klBackward", KernelChecks.KL_BACKWARD_ARGS, r, dP, dQ, dKl, P, Q, mask);
    }

    @Override
    public void nmseForward(Rows r, Buf out, Buf a, Buf b, Buf mask) {
        rowLoss(JvmLosses::nmseForward, "nmse", KernelChecks.NMSE_ARGS, r, out, a, b, mask);
    }

    @Override
    public void nmseBackward(Rows r, Buf dA, Buf dB, Buf dOut, Buf a, Buf b, Buf mask) {
        rowLossBackward(JvmLosses::nmseBackward, "nmseBackward", KernelChecks.NMSE_BACKWARD_ARGS, r, dA, dB, dOut, a, b, mask);
    }

    /** KL and NMSE: out [1], two [N,V] operands, an optional row mask [N]. */
    private interface RowLoss {
        void run(Parallel par, MemorySegment out, MemorySegment a, MemorySegment b, MemorySegment mask, int N, int V);
    }

    /** Their backwards: optional da, db [N,V] accumulated, dOut [1]. */
    private interface RowLossBackward {
        void run(Parallel par, MemorySegment da, MemorySegment db, MemorySegment dOut, MemorySegment a, MemorySegment b,
                 MemorySegment mask, int N, int V);
    }

    private void rowLoss(RowLoss kernel, String what, List<String> names, Rows r, Buf out, Buf a, Buf b, Buf mask) {
        kernel.run(par, s(out, 1, what, names.get(0)), s(a, r.n(), what, names.get(1)), s(b, r.n(), what, names.get(2)),
                o(mask, r.N(), what, "mask"), r.N(), r.V());
    }

    private void rowLossBackward(RowLossBackward kernel, String what, List<String> names, Rows r, Buf da, Buf db, Buf dOut, Buf a, Buf b,
                                 Buf mask) {
        kernel.run(par, o(da, r.n(), what, names.get(0)), o(db, r.n(), what, names.get(1)), s(dOut, 1, what, names.get(2)),
                s(a, r.n(), what, names.get(3)), s(b, r.n(), what, names.get(4)), o(mask, r.N(), what, "mask"), r.N(), r.V());
    }
}
