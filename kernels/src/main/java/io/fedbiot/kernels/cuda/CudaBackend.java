package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.AdamWStep;
import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.Dropout;
import io.fedbiot.kernels.Embedding;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.KernelChecks;
import io.fedbiot.kernels.RmsNorm;
import io.fedbiot.kernels.Rope;
import io.fedbiot.kernels.RopeStyle;
import io.fedbiot.kernels.Rows;
import io.fedbiot.kernels.SgdStep;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CUDA backend: buffers are device memory ({@link DevBuf}), every kernel is queued on one
 * stream, GEMMs go to cuBLAS and everything else to the kernels of native/cuda. Scalars (losses,
 * sums, upstream gradients) stay on the device, so a training step never waits for the host;
 * {@link #toHost} and {@link #synchronize} are the only points that wait.
 *
 * <p>Errors found inside a kernel (an id or target out of range) are raised by the device into a
 * flag. By default the embedding and cross-entropy calls then wait for the device and throw at
 * once, as the interface promises, naming the row and the value: two short waits per step.
 * {@code -Dfedbiot.cuda.deferChecks=true} removes those waits; the error is then thrown at the
 * next {@link #synchronize} or {@link #toHost}. Size and argument errors are thrown at the call,
 * before any launch ({@link KernelChecks}, the same messages as the host backends), so no kernel
 * ever reads past a buffer.
 */
public final class CudaBackend implements Backend {
    private static final int BLOCK = 256;
    private static final boolean DEFER_CHECKS = Boolean.getBoolean("fedbiot.cuda.deferChecks");

    private final CudaDevice dev;
    private final KernelModules k;
    private final Gemm gemm;
    private final CudaProbe probe;
    private final AtomicLong live = new AtomicLong();
    private final long errFlag;                 // int[3] {code, row, value} on the device
    private RawHandles.DevPtr scratch;          // grow-only per-call workspace, stream-ordered
    private long scratchBytes;

    private CudaBackend(CudaProbe probe) {
        this.probe = probe;
        this.dev = new CudaDevice(0);
        this.k = new KernelModules(dev, probe);
        this.gemm = Gemms.choose(dev);
        RawHandles.DevPtr e = dev.malloc(16);
        dev.zero(e.address(), 16);
        this.errFlag = e.address();
    }

    /** The backend on device 0; a clear error naming the probe's reason when there is no usable GPU. */
    public static CudaBackend create() {
        CudaProbe p = CudaProbe.get();
        if (!p.usable()) throw new IllegalStateException("the cuda backend is " + p.describe());
        try {
            CudaBackend b = new CudaBackend(p);
            CudaLog.info(p.describe()); // the one line, only when the GPU was asked for (or chosen by auto)
            return b;
        } catch (CudaException e) {
            throw new IllegalStateException("the cuda backend did not start on " + p.device() + ": " + e.getMessage(), e);
        }
    }

    @Override public String name() { return "cuda"; }
    @Override public boolean isHost() { return false; }
    @Override public int threads() { return 1; }

    public CudaProbe device() { return probe; }

    /** The device and its stream, for the binding tests of this package. */
    CudaDevice deviceForTests() { return dev; }

    /** Which cuBLAS binding is in use (JCublas or FFM, and the library). */
    public String gemmBinding() { return gemm.description(); }

    // ---- memory --------------------------------------------------------------------------

    @Override
    public Buf allocate(long bytes, Arena arena) {
        RawHandles.DevPtr p = dev.malloc(bytes);
        dev.zero(p.address(), bytes);
        live.addAndGet(bytes);
        // The arena frees the device memory when it closes: live bytes are exact.
        MemorySegment.NULL.reinterpret(arena, ignored -> {
            dev.free(p);
            live.addAndGet(-bytes);
        });
        return new DevBuf(p.address(), bytes, this);
    }

    @Override public long liveBytes() { return live.get(); }

    @Override
    public void toHost(Buf src, MemorySegment dst) {
        dev.copyToHost(a(src), dst, src.byteSize());
        checkDeviceErrors();
    }

    @Override
    public void fromHost(MemorySegment src, Buf dst) {
        if (src.byteSize() < dst.byteSize())
            throw new IllegalArgumentException("fromHost: " + src.byteSize() + " host bytes for a " + dst.byteSize() + "-byte device buffer");
        dev.copyFromHost(src, a(dst), dst.byteSize());
    }

    @Override
    public void synchronize() {
        dev.synchronize();
        checkDeviceErrors();
    }

    /** Device milliseconds of the work {@code body} queues (CUDA events), for benchmarks. */
    public float timeMillis(Runnable body) {
        return dev.timeMillis(body);
    }

    /**
     * Throws now for a kernel-detected error, unless checks are deferred; {@code bound} (the
     * vocabulary) lets the message be the host backends' one.
     */
    private void eagerCheck(long bound) {
        if (DEFER_CHECKS) return;
        dev.synchronize();
        checkDeviceErrors(bound);
    }

    private void checkDeviceErrors() {
        checkDeviceErrors(-1);
    }

    /** Throws for a flagged id or target; bound < 0 when the vocabulary is not known here (deferred checks). */
    private void checkDeviceErrors(long bound) {
        MemorySegment h = Arena.ofAuto().allocate(12, 4);
        dev.copyToHost(errFlag, h, 12);
        int code = h.get(ValueLayout.JAVA_INT, 0);
        if (code == 0) return;
        dev.zero(errFlag, 12);
        int row = h.get(ValueLayout.JAVA_INT, 4), value = h.get(ValueLayout.JAVA_INT, 8);
        String what = switch (code) {
            case 1 -> "embedding: token id";
            case 2 -> "cross-entropy: target id";
            default -> throw new IllegalArgumentException("device kernel error " + code + " at row " + row + " (value " + value + ")");
        };
        if (bound >= 0) throw KernelChecks.outOfRange(what, value, row, bound);
        throw new IllegalArgumentException(what + " " + value + " at row " + row + " is outside the vocabulary (detected on the device)");
    }

    /** A workspace of at least {@code bytes}, valid until the next call that asks for one. */
    synchronized long scratch(long bytes) {
        if (scratchBytes < bytes) {
            long want = Math.max(bytes, 2 * scratchBytes);
            if (scratch != null) dev.free(scratch);
            scratch = null;   // an out-of-memory below must not leave the freed block in use
            scratchBytes = 0;
            scratch = dev.malloc(want);
            scratchBytes = want;
        }
        return scratch.address();
    }

    // ---- launch helpers -----------------------------------------------------------------

    long a(Buf b) { return DevBuf.of(b, this); }
    long o(Buf b) { return DevBuf.ofNullable(b, this); }

    /** The device address of b after {@link KernelChecks#need}. */
    long a(Buf b, long floats, String op, String name) { return a(KernelChecks.need(op, name, b, floats)); }

    /** Like {@link #a(Buf, long, String, String)}; 0 for an absent optional buffer. */
    long o(Buf b, long floats, String op, String name) { return o(KernelChecks.optional(op, name, b, floats)); }

    void launch(String kernel, int gx, int gy, int gz, int block, int shared, KernelArgs args) {
        if (gx == 0 || gy == 0 || gz == 0) return;
        dev.launch(k.get(kernel), kernel, gx, gy, gz, block, shared, args.toArray());
    }

    /** Grid-stride launch over n elements. */
    void launch1d(String kernel, long n, KernelArgs args) {
        if (n <= 0) return;
        launch(kernel, (int) Math.min((n + BLOCK - 1) / BLOCK, 1 << 20), 1, 1, BLOCK, 0, args);
    }

    /** One block per row. */
    void launchRows(String kernel, int rows, KernelArgs args) {
        launch(kernel, rows, 1, 1, BLOCK, 0, args);
    }

    // ---- GEMM -----------------------------------------------------------------------------

    @Override
    public void gemm(GemmShape s, float alpha, Buf A, Buf B, float beta, Buf C) {
        if (s.isEmpty()) return;
        long c = a(C, s.spanC(), "gemm", "C");
        if (!s.readsAB(alpha)) {   // C = beta C: cuBLAS's k = 0 case, done here so no library quirk matters
            long mn = (long) s.M() * s.N();
            for (int i = 0; i < s.batch(); i++) {
                Buf ci = C.slice(4L * i * s.strideC(), 4L * mn);
                if (beta == 0f) fill(ci, mn, 0f);
                else scale(ci, ci, beta, mn);
            }
            return;
        }
        long pa = a(A, s.spanA(), "gemm", "A"), pb = a(B, s.spanB(), "gemm", "B");
        if (s.strideC() == 0 && s.batch() > 1) {
            // Items accumulate into one C in order (the interface's meaning, used for gradients
            // of broadcast weights); a strided batched call would race on C.
            ColumnMajorGemm one = RowMajorGemm.toColumnMajor(GemmShape.of(s.transA(), s.transB(), s.M(), s.N(), s.K()));
            for (int i = 0; i < s.batch(); i++)
                gemm.sgemm(one, alpha, pb + 4L * i * s.strideB(), pa + 4L * i * s.strideA(), i == 0 ? beta : 1f, c);
            return;
        }
        gemm.sgemm(RowMajorGemm.toColumnMajor(s), alpha, pb, pa, beta, c);
    }

    /**
     * Row-major batched GEMM with bf16 A and B (raw bits, 2 bytes each) and float32 C, float32
     * accumulation: the path for frozen bf16 base weights. Same conventions as {@link #gemm}.
     */
    public void gemmBf16(GemmShape s, float alpha, Buf A, Buf B, float beta, Buf C) {
        if (s.isEmpty() || s.K() == 0)
            throw new IllegalArgumentException("gemmBf16: empty shape " + s);
        long c = a(C, s.spanC(), "gemmBf16", "C");
        long pa = a(KernelChecks.needBytes("gemmBf16", "A", A, 2 * s.spanA()));
        long pb = a(KernelChecks.needBytes("gemmBf16", "B", B, 2 * s.spanB()));
        gemm.bf16gemm(RowMajorGemm.toColumnMajor(s), alpha, pb, pa, beta, c);
    }

    /** dst (bf16 bits [n]) = src (float32 [n]) rounded to nearest even. */
    public void toBf16(Buf dst, Buf src, long n) {
        long ps = a(src, n, "toBf16", "src");
        long pd = a(KernelChecks.needBytes("toBf16", "dst", dst, 2 * n));
        launch1d("fb_f32_to_bf16", n, KernelArgs.of().ptr(pd).ptr(ps).l(n));
    }

    /** dst (float32 [n]) = src (bf16 bits [n]). */
    public void fromBf16(Buf dst, Buf src, long n) {
        long pd = a(dst, n, "fromBf16", "dst");
        long ps = a(KernelChecks.needBytes("fromBf16", "src", src, 2 * n));
        launch1d("fb_bf16_to_f32", n, KernelArgs.of().ptr(pd).ptr(ps).l(n));
    }

    // ---- element-wise -------------------------------------------------------------------

    @Override
    public void fill(Buf x, long n, float value) {
        launch1d("fb_fill", n, KernelArgs.of().ptr(a(x, n, "fill", "x")).l(n).f(value));
    }

    @Override
    public void copy(Buf dst, Buf src, long n) {
        dev.copyDeviceToDevice(a(dst, n, "copy", "dst"), a(src, n, "copy", "src"), 4 * n);
    }

    private void binary(String op, String kernel, String outName, Buf out, Buf x, Buf y, long n) {
        launch1d(kernel, n, KernelArgs.of().ptr(a(out, n, op, outName)).ptr(a(x, n, op, "a")).ptr(a(y, n, op, "b")).l(n));
    }

    @Override public void add(Buf out, Buf x, Buf y, long n) { binary("add", "fb_add", "out", out, x, y, n); }
    @Override public void mul(Buf out, Buf x, Buf y, long n) { binary("mul", "fb_mul", "out", out, x, y, n); }
    @Override public void mulAcc(Buf out, Buf x, Buf y, long n) { binary("mulAcc", "fb_mul_acc", "y", out, x, y, n); }
    @Override public void swigluForward(Buf out, Buf x, Buf y, long n) { binary("swiglu", "fb_swiglu_fwd", "out", out, x, y, n); }

    @Override
    public void scale(Buf out, Buf x, float s, long n) {
        launch1d("fb_scale", n, KernelArgs.of().ptr(a(out, n, "scale", "out")).ptr(a(x, n, "scale", "x")).f(s).l(n));
    }

    @Override
    public void axpy(Buf y, float alpha, Buf x, long n) {
        launch1d("fb_axpy", n, KernelArgs.of().ptr(a(y, n, "axpy", "y")).f(alpha).ptr(a(x, n, "axpy", "x")).l(n));
    }

    @Override
    public void addScalar(Buf y, Buf s, float factor, long n) {
        launch1d("fb_add_scalar", n, KernelArgs.of().ptr(a(y, n, "addScalar", "y")).ptr(a(s, 1, "addScalar", "s")).f(factor).l(n));
    }

    @Override public void sum(Buf out, Buf x, long n) { reduce("sum", out, x, n, 0); }
    @Override public void sumSquares(Buf out, Buf x, long n) { reduce("sumSquares", out, x, n, 1); }

    /** Two stages, accumulated in double: block partials, then one block adds them. */
    private synchronized void reduce(String op, Buf out, Buf x, long n, int squares) {
        long po = a(out, 1, op, "out"), px = a(x, n, op, "x");
        int parts = (int) Math.max(1, Math.min(1024, (n + BLOCK - 1) / BLOCK));
        long part = scratch(8L * parts);
        launch("fb_reduce_partial", parts, 1, 1, BLOCK, 0, KernelArgs.of().ptr(part).ptr(px).l(n).i(squares));
        launch("fb_reduce_final", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(po).ptr(part).i(parts));
    }

    @Override
    public void swigluBackward(Buf da, Buf db, Buf dOut, Buf x, Buf y, long n) {
        String op = "swigluBackward";
        KernelArgs args = KernelArgs.of().ptr(o(da, n, op, "da")).ptr(o(db, n, op, "db")).ptr(a(dOut, n, op, "dOut"))
                .ptr(a(x, n, op, "a")).ptr(a(y, n, op, "b")).l(n);
        if (da != null || db != null) launch1d("fb_swiglu_bwd", n, args);
    }

    @Override
    public void dropout(Dropout d, Buf out, Buf mask, Buf x, long n) {
        launch1d("fb_dropout", n, KernelArgs.of().ptr(a(out, n, "dropout", "out")).ptr(a(mask, n, "dropout", "mask"))
                .ptr(a(x, n, "dropout", "x")).l(n).f(d.p()).l(d.seed()));
    }

    // ---- optimizers ------------------------------------------------------------------------

    @Override
    public void adamw(AdamWStep t, Buf p, Buf g, Buf m, Buf v, long n) {
        KernelArgs args = KernelArgs.of().ptr(a(p, n, "adamw", "p")).ptr(a(g, n, "adamw", "g")).ptr(a(m, n, "adamw", "m"))
                .ptr(a(v, n, "adamw", "v")).l(n);
        // The same folded constants as the Java backend, computed once on the host.
        float lr = t.lr(), beta1 = t.beta1(), beta2 = t.beta2();
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, t.step())));
        float invBc2 = (float) (1.0 / (1.0 - Math.pow(beta2, t.step())));
        launch1d("fb_adamw", n, args.f(beta1).f(beta2).f(t.eps()).f(1f - lr * t.weightDecay()).f(stepSize).f(invBc2));
    }

    @Override
    public void sgd(SgdStep t, Buf p, Buf g, Buf buf, long n) {
        long pb = t.usesBuffer() ? a(buf, n, "sgd", "buf") : 0L;   // the kernel reads buf only with momentum
        launch1d("fb_sgd", n, KernelArgs.of().ptr(a(p, n, "sgd", "p")).ptr(a(g, n, "sgd", "g")).ptr(pb).l(n)
                .f(t.lr()).f(t.momentum()).f(t.weightDecay()));
    }

    // ---- embedding, RMSNorm, RoPE ---------------------------------------------------------

    @Override
    public void embeddingForward(Embedding e, Buf out, Buf table, Buf ids) {
        int N = e.N(), C = e.C(), V = e.V();
        String op = "embedding";
        KernelArgs args = KernelArgs.of().ptr(a(out, (long) N * C, op, "out")).ptr(a(table, (long) V * C, op, "table"))
                .ptr(a(ids, N, op, "ids")).i(N).i(C).i(V).ptr(errFlag);
        launch1d("fb_embedding_fwd", (long) N * C, args);
        eagerCheck(V);
    }

    @Override
    public void embeddingBackward(Embedding e, Buf dTable, Buf dOut, Buf ids) {
        int N = e.N(), C = e.C();
        String op = "embeddingBackward";
        launch1d("fb_embedding_bwd", (long) N * C, KernelArgs.of().ptr(a(dTable, (long) e.V() * C, op, "dTable"))
                .ptr(a(dOut, (long) N * C, op, "dOut")).ptr(a(ids, N, op, "ids")).i(N).i(C));
    }

    @Override
    public void rmsnormForward(RmsNorm r, Buf y, Buf rstd, Buf x, Buf w) {
        String op = "rmsnorm";
        launchRows("fb_rmsnorm_fwd", r.N(), KernelArgs.of().ptr(a(y, r.n(), op, "y")).ptr(a(rstd, r.N(), op, "rstd"))
                .ptr(a(x, r.n(), op, "x")).ptr(a(w, r.C(), op, "w")).i(r.N()).i(r.C()).f(r.eps()));
    }

    @Override
    public void rmsnormBackward(RmsNorm r, Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rstd) {
        String op = "rmsnormBackward";
        long pdx = o(dx, r.n(), op, "dx"), pdw = o(dw, r.C(), op, "dw"), pdy = a(dy, r.n(), op, "dy");
        long px = a(x, r.n(), op, "x"), pw = a(w, r.C(), op, "w"), pr = a(rstd, r.N(), op, "rstd");
        int N = r.N(), C = r.C();
        if (dx != null)
            launchRows("fb_rmsnorm_bwd_dx", N, KernelArgs.of().ptr(pdx).ptr(pdy).ptr(px).ptr(pw).ptr(pr).i(N).i(C));
        if (dw != null)
            launch1d("fb_rmsnorm_bwd_dw", C, KernelArgs.of().ptr(pdw).ptr(pdy).ptr(px).ptr(pr).i(N).i(C));
    }

    @Override
    public void ropeForward(Rope r, Buf out, Buf x) {
        rope(r, a(out, r.n(), "rope", "out"), a(x, r.n(), "rope", "x"), 0);
    }

    @Override
    public void ropeBackward(Rope r, Buf dx, Buf dOut) {
        rope(r, a(dx, r.n(), "ropeBackward", "dx"), a(dOut, r.n(), "ropeBackward", "dOut"), 1);
    }

    private void rope(Rope r, long dst, long src, int backward) {
        launch1d("fb_rope", r.n() / 2, KernelArgs.of().ptr(dst).ptr(src).i(r.B()).i(r.T()).i(r.H()).i(r.D()).i(r.pos0())
                .f(r.theta()).i(r.style() == RopeStyle.INTERLEAVED ? 1 : 0).i(backward));
    }

    // ---- attention (see CudaAttention) --------------------------------------------------------

    @Override
    public void attentionForward(Attention shape, AttentionIo io) {
        CudaAttention.forward(this, "f32", shape, io);
    }

    @Override
    public void attentionBackward(Attention shape, AttentionIo io, Buf dOut, AttentionGrads grads) {
        CudaAttention.backward(this, "f32", shape, io, dOut, grads);
    }

    /** {@link #attentionForward} with bf16 q, k, v (raw bits); out and lse float32. */
    public void attentionForwardBf16(Attention shape, AttentionIo io) {
        CudaAttention.forward(this, "bf16", shape, io);
    }

    /** {@link #attentionBackward} with bf16 q, k, v; dOut, out, lse and the gradients float32. */
    public void attentionBackwardBf16(Attention shape, AttentionIo io, Buf dOut, AttentionGrads grads) {
        CudaAttention.backward(this, "bf16", shape, io, dOut, grads);
    }

    // ---- losses (see CudaLosses) ----------------------------------------------------------------

    @Override
    public void crossEntropyForward(Rows r, Buf loss, Buf lse, Buf logits, Buf targets, Buf mask) {
        CudaLosses.crossEntropyForward(this, r, loss, lse, logits, targets, mask, errFlag);
        eagerCheck(r.V());
    }

    @Override
    public void crossEntropyBackward(Rows r, Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask) {
        CudaLosses.crossEntropyBackward(this, r, dLogits, dLoss, logits, lse, targets, mask, errFlag);
        eagerCheck(r.V());
    }

    @Override public void klForward(Rows r, Buf kl, Buf P, Buf Q, Buf mask) { CudaLosses.klForward(this, r, kl, P, Q, mask); }
    @Override public void klBackward(Rows r, Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask) { CudaLosses.klBackward(this, r, dP, dQ, dKl, P, Q, mask); }
    @Override public void nmseForward(Rows r, Buf out, Buf x, Buf y, Buf mask) { CudaLosses.nmseForward(this, r, out, x, y, mask); }
    @Override public void nmseBackward(Rows r, Buf dA, Buf dB, Buf dOut, Buf x, Buf y, Buf mask) { CudaLosses.nmseBackward(this, r, dA, dB, dOut, x, y, mask); }
}
