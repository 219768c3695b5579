package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.HostMemory;
import io.fedbiot.kernels.RopeStyle;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The pure-Java backend: Vector API kernels (species chosen once, scalar tails) on host memory,
 * multithreaded over a fixed pool. Each kernel group lives in its own file; this class routes.
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

    @Override public Buf allocate(long bytes, Arena arena) { return memory.allocate(this, bytes, arena); }
    @Override public long liveBytes() { return memory.liveBytes(); }
    @Override public void toHost(Buf src, MemorySegment dst) { HostMemory.toHost(src, dst); }
    @Override public void fromHost(MemorySegment src, Buf dst) { HostMemory.fromHost(src, dst); }

    private static MemorySegment s(Buf b) { return HostBuf.of(b); }
    private static MemorySegment o(Buf b) { return HostBuf.ofNullable(b); }

    @Override
    public void gemm(int batch, boolean transA, boolean transB, int M, int N, int K, float alpha,
                     Buf A, long strideA, Buf B, long strideB, float beta, Buf C, long strideC) {
        JvmGemm.gemm(par, batch, transA, transB, M, N, K, alpha, s(A), strideA, s(B), strideB, beta, s(C), strideC);
    }

    @Override public void fill(Buf x, long n, float value) { JvmElementwise.fill(par, s(x), n, value); }
    @Override public void copy(Buf dst, Buf src, long n) { JvmElementwise.copy(par, s(dst), s(src), n); }
    @Override public void add(Buf out, Buf a, Buf b, long n) { JvmElementwise.add(par, s(out), s(a), s(b), n); }
    @Override public void mul(Buf out, Buf a, Buf b, long n) { JvmElementwise.mul(par, s(out), s(a), s(b), n); }
    @Override public void mulAcc(Buf y, Buf a, Buf b, long n) { JvmElementwise.mulAcc(par, s(y), s(a), s(b), n); }
    @Override public void scale(Buf out, Buf x, float sc, long n) { JvmElementwise.scale(par, s(out), s(x), sc, n); }
    @Override public void axpy(Buf y, float alpha, Buf x, long n) { JvmElementwise.axpy(par, s(y), alpha, s(x), n); }
    @Override public void addScalar(Buf y, Buf sc, float factor, long n) { JvmElementwise.addScalar(par, s(y), s(sc), factor, n); }
    @Override public void sum(Buf out, Buf x, long n) { JvmElementwise.sum(par, s(out), s(x), n); }
    @Override public void sumSquares(Buf out, Buf x, long n) { JvmElementwise.sumSquares(par, s(out), s(x), n); }

    @Override public void swigluForward(Buf out, Buf a, Buf b, long n) { JvmElementwise.swigluForward(par, s(out), s(a), s(b), n); }
    @Override public void swigluBackward(Buf da, Buf db, Buf dOut, Buf a, Buf b, long n) { JvmElementwise.swigluBackward(par, o(da), o(db), s(dOut), s(a), s(b), n); }
    @Override public void dropout(Buf out, Buf mask, Buf x, long n, float p, long seed) { JvmElementwise.dropout(par, s(out), s(mask), s(x), n, p, seed); }

    @Override
    public void adamw(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        JvmElementwise.adamw(par, s(p), s(g), s(m), s(v), n, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void sgd(Buf p, Buf g, Buf buf, long n, float lr, float momentum, float weightDecay) {
        JvmElementwise.sgd(par, s(p), s(g), o(buf), n, lr, momentum, weightDecay);
    }

    @Override public void embeddingForward(Buf out, Buf table, Buf ids, int N, int C, int V) { JvmNorm.embeddingForward(par, s(out), s(table), s(ids), N, C, V); }
    @Override public void embeddingBackward(Buf dTable, Buf dOut, Buf ids, int N, int C) { JvmNorm.embeddingBackward(par, s(dTable), s(dOut), s(ids), N, C); }
    @Override public void rmsnormForward(Buf y, Buf rstd, Buf x, Buf w, int N, int C, float eps) { JvmNorm.rmsnormForward(par, s(y), s(rstd), s(x), s(w), N, C, eps); }
    @Override public void rmsnormBackward(Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rstd, int N, int C) { JvmNorm.rmsnormBackward(par, o(dx), o(dw), s(dy), s(x), s(w), s(rstd), N, C); }

    @Override
    public void ropeForward(Buf out, Buf x, int B, int T, int H, int D, int pos0, float theta, RopeStyle style) {
        JvmNorm.ropeForward(par, s(out), s(x), B, T, H, D, pos0, theta, style);
    }

    @Override
    public void ropeBackward(Buf dx, Buf dOut, int B, int T, int H, int D, int pos0, float theta, RopeStyle style) {
        JvmNorm.ropeBackward(par, s(dx), s(dOut), B, T, H, D, pos0, theta, style);
    }

    @Override
    public void attentionForward(Buf out, Buf lse, Buf q, Buf k, Buf v, int B, int Tq, int Tk, int H, int G, int D, float scale) {
        JvmAttention.forward(par, s(out), s(lse), s(q), s(k), s(v), B, Tq, Tk, H, G, D, scale);
    }

    @Override
    public void attentionBackward(Buf dq, Buf dk, Buf dv, Buf dOut, Buf out, Buf lse, Buf q, Buf k, Buf v,
                                  int B, int Tq, int Tk, int H, int G, int D, float scale) {
        JvmAttention.backward(par, o(dq), o(dk), o(dv), s(dOut), s(out), s(lse), s(q), s(k), s(v), B, Tq, Tk, H, G, D, scale);
    }

    @Override
    public void crossEntropyForward(Buf loss, Buf lse, Buf logits, Buf targets, Buf mask, int N, int V) {
        JvmLosses.crossEntropyForward(par, s(loss), s(lse), s(logits), s(targets), o(mask), N, V);
    }

    @Override
    public void crossEntropyBackward(Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask, int N, int V) {
        JvmLosses.crossEntropyBackward(par, s(dLogits), s(dLoss), s(logits), s(lse), s(targets), o(mask), N, V);
    }

    @Override public void klForward(Buf kl, Buf P, Buf Q, Buf mask, int N, int V) { JvmLosses.klForward(par, s(kl), s(P), s(Q), o(mask), N, V); }
    @Override public void klBackward(Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask, int N, int V) { JvmLosses.klBackward(par, o(dP), o(dQ), s(dKl), s(P), s(Q), o(mask), N, V); }
    @Override public void nmseForward(Buf out, Buf a, Buf b, Buf mask, int N, int C) { JvmLosses.nmseForward(par, s(out), s(a), s(b), o(mask), N, C); }
    @Override public void nmseBackward(Buf dA, Buf dB, Buf dOut, Buf a, Buf b, Buf mask, int N, int C) { JvmLosses.nmseBackward(par, o(dA), o(dB), s(dOut), s(a), s(b), o(mask), N, C); }
}
