package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.RopeStyle;

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
 * before any launch, so no kernel ever reads past a buffer.
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
        if (!p.usable()) throw new IllegalStateException("the cuda backend is not available: " + p.reason());
        try {
            return new CudaBackend(p);
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

    /** Throws now for a kernel-detected error, unless checks are deferred. */
    private void eagerCheck() {
        if (!DEFER_CHECKS) synchronize();
    }

    private void checkDeviceErrors() {
        MemorySegment h = Arena.ofAuto().allocate(12, 4);
        dev.copyToHost(errFlag, h, 12);
        int code = h.get(ValueLayout.JAVA_INT, 0);
        if (code == 0) return;
        dev.zero(errFlag, 12);
        int row = h.get(ValueLayout.JAVA_INT, 4), value = h.get(ValueLayout.JAVA_INT, 8);
        throw new IllegalArgumentException(switch (code) {
            case 1 -> "embedding: token id " + value + " at row " + row + " is outside the table (detected on the device)";
            case 2 -> "cross-entropy: target " + value + " at row " + row + " is outside the vocabulary (detected on the device)";
            default -> "device kernel error " + code + " at row " + row + " (value " + value + ")";
        });
    }

    /** A workspace of at least {@code bytes}, valid until the next call that asks for one. */
    synchronized long scratch(long bytes) {
        if (scratchBytes < bytes) {
            if (scratch != null) dev.free(scratch);
            scratchBytes = Math.max(bytes, 2 * scratchBytes);
            scratch = dev.malloc(scratchBytes);
        }
        return scratch.address();
    }

    // ---- launch helpers -----------------------------------------------------------------

    long a(Buf b) { return DevBuf.of(b, this); }
    long o(Buf b) { return DevBuf.ofNullable(b, this); }

    /** Fails before launching when {@code b} holds fewer than {@code floats} 4-byte elements. */
    static void need(Buf b, long floats, String op, String arg) {
        if (b != null && b.byteSize() < 4 * floats)
            throw new IllegalArgumentException(op + ": " + arg + " has " + b.byteSize() / 4 + " elements, needs " + floats);
    }

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
    public void gemm(int batch, boolean transA, boolean transB, int M, int N, int K, float alpha,
                     Buf A, long strideA, Buf B, long strideB, float beta, Buf C, long strideC) {
        ColumnMajorGemm g = RowMajorGemm.toColumnMajor(batch, transA, transB, M, N, K, strideA, strideB, strideC);
        if (batch == 0 || M == 0 || N == 0) return;
        long last = batch - 1L;
        need(C, last * strideC + (long) M * N, "gemm", "C");
        if (K == 0) {   // C = beta C: cuBLAS's k = 0 case, done here so no library quirk matters
            for (int i = 0; i < batch; i++) {
                Buf ci = C.slice(4L * i * strideC, 4L * M * N);
                if (beta == 0f) fill(ci, (long) M * N, 0f);
                else scale(ci, ci, beta, (long) M * N);
            }
            return;
        }
        need(A, last * strideA + (long) M * K, "gemm", "A");
        need(B, last * strideB + (long) K * N, "gemm", "B");
        if (strideC == 0 && batch > 1) {
            // Items accumulate into one C in order (the interface's meaning, used for gradients
            // of broadcast weights); a strided batched call would race on C.
            ColumnMajorGemm one = RowMajorGemm.toColumnMajor(1, transA, transB, M, N, K, 0, 0, 0);
            for (int i = 0; i < batch; i++)
                gemm.sgemm(one, alpha, a(B) + 4L * i * strideB, a(A) + 4L * i * strideA, i == 0 ? beta : 1f, a(C));
            return;
        }
        gemm.sgemm(g, alpha, a(B), a(A), beta, a(C));
    }

    /**
     * Row-major batched GEMM with bf16 A and B (raw bits, 2 bytes each) and float32 C, float32
     * accumulation: the path for frozen bf16 base weights. Same conventions as {@link #gemm}.
     */
    public void gemmBf16(int batch, boolean transA, boolean transB, int M, int N, int K, float alpha,
                         Buf A, long strideA, Buf B, long strideB, float beta, Buf C, long strideC) {
        ColumnMajorGemm g = RowMajorGemm.toColumnMajor(batch, transA, transB, M, N, K, strideA, strideB, strideC);
        if (batch == 0 || M == 0 || N == 0 || K == 0)
            throw new IllegalArgumentException("gemmBf16: empty shape batch " + batch + " M " + M + " N " + N + " K " + K);
        long last = batch - 1L;
        need(C, last * strideC + (long) M * N, "gemmBf16", "C");
        if (A.byteSize() < 2 * (last * strideA + (long) M * K) || B.byteSize() < 2 * (last * strideB + (long) K * N))
            throw new IllegalArgumentException("gemmBf16: A or B smaller than its bf16 shape");
        gemm.bf16gemm(g, alpha, a(B), a(A), beta, a(C));
    }

    /** dst (bf16 bits [n]) = src (float32 [n]) rounded to nearest even. */
    public void toBf16(Buf dst, Buf src, long n) {
        need(src, n, "toBf16", "src");
        if (dst.byteSize() < 2 * n) throw new IllegalArgumentException("toBf16: dst holds fewer than " + n + " bf16 values");
        launch1d("fb_f32_to_bf16", n, KernelArgs.of().ptr(a(dst)).ptr(a(src)).l(n));
    }

    /** dst (float32 [n]) = src (bf16 bits [n]). */
    public void fromBf16(Buf dst, Buf src, long n) {
        need(dst, n, "fromBf16", "dst");
        if (src.byteSize() < 2 * n) throw new IllegalArgumentException("fromBf16: src holds fewer than " + n + " bf16 values");
        launch1d("fb_bf16_to_f32", n, KernelArgs.of().ptr(a(dst)).ptr(a(src)).l(n));
    }

    // ---- element-wise -------------------------------------------------------------------

    @Override
    public void fill(Buf x, long n, float value) {
        need(x, n, "fill", "x");
        launch1d("fb_fill", n, KernelArgs.of().ptr(a(x)).l(n).f(value));
    }

    @Override
    public void copy(Buf dst, Buf src, long n) {
        need(dst, n, "copy", "dst");
        need(src, n, "copy", "src");
        dev.copyDeviceToDevice(a(dst), a(src), 4 * n);
    }

    private void binary(String kernel, Buf out, Buf x, Buf y, long n) {
        need(out, n, kernel, "out");
        need(x, n, kernel, "a");
        need(y, n, kernel, "b");
        launch1d(kernel, n, KernelArgs.of().ptr(a(out)).ptr(a(x)).ptr(a(y)).l(n));
    }

    @Override public void add(Buf out, Buf x, Buf y, long n) { binary("fb_add", out, x, y, n); }
    @Override public void mul(Buf out, Buf x, Buf y, long n) { binary("fb_mul", out, x, y, n); }
    @Override public void mulAcc(Buf out, Buf x, Buf y, long n) { binary("fb_mul_acc", out, x, y, n); }
    @Override public void swigluForward(Buf out, Buf x, Buf y, long n) { binary("fb_swiglu_fwd", out, x, y, n); }

    @Override
    public void scale(Buf out, Buf x, float s, long n) {
        need(out, n, "scale", "out");
        need(x, n, "scale", "x");
        launch1d("fb_scale", n, KernelArgs.of().ptr(a(out)).ptr(a(x)).f(s).l(n));
    }

    @Override
    public void axpy(Buf y, float alpha, Buf x, long n) {
        need(y, n, "axpy", "y");
        need(x, n, "axpy", "x");
        launch1d("fb_axpy", n, KernelArgs.of().ptr(a(y)).f(alpha).ptr(a(x)).l(n));
    }

    @Override
    public void addScalar(Buf y, Buf s, float factor, long n) {
        need(y, n, "addScalar", "y");
        need(s, 1, "addScalar", "s");
        launch1d("fb_add_scalar", n, KernelArgs.of().ptr(a(y)).ptr(a(s)).f(factor).l(n));
    }

    @Override public void sum(Buf out, Buf x, long n) { reduce(out, x, n, 0); }
    @Override public void sumSquares(Buf out, Buf x, long n) { reduce(out, x, n, 1); }

    /** Two stages, accumulated in double: block partials, then one block adds them. */
    private synchronized void reduce(Buf out, Buf x, long n, int squares) {
        need(out, 1, "sum", "out");
        need(x, n, "sum", "x");
        int parts = (int) Math.max(1, Math.min(1024, (n + BLOCK - 1) / BLOCK));
        long part = scratch(8L * parts);
        launch("fb_reduce_partial", parts, 1, 1, BLOCK, 0, KernelArgs.of().ptr(part).ptr(a(x)).l(n).i(squares));
        launch("fb_reduce_final", 1, 1, 1, BLOCK, 0, KernelArgs.of().ptr(a(out)).ptr(part).i(parts));
    }

    @Override
    public void swigluBackward(Buf da, Buf db, Buf dOut, Buf x, Buf y, long n) {
        if (da == null && db == null) return;
        need(da, n, "swigluBackward", "da");
        need(db, n, "swigluBackward", "db");
        need(dOut, n, "swigluBackward", "dOut");
        need(x, n, "swigluBackward", "a");
        need(y, n, "swigluBackward", "b");
        launch1d("fb_swiglu_bwd", n, KernelArgs.of().ptr(o(da)).ptr(o(db)).ptr(a(dOut)).ptr(a(x)).ptr(a(y)).l(n));
    }

    @Override
    public void dropout(Buf out, Buf mask, Buf x, long n, float p, long seed) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout p must be in [0, 1], got " + p);
        need(out, n, "dropout", "out");
        need(mask, n, "dropout", "mask");
        need(x, n, "dropout", "x");
        launch1d("fb_dropout", n, KernelArgs.of().ptr(a(out)).ptr(a(mask)).ptr(a(x)).l(n).f(p).l(seed));
    }

    // ---- optimizers ------------------------------------------------------------------------

    @Override
    public void adamw(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        if (step < 1) throw new IllegalArgumentException("adamw step must be >= 1, got " + step);
        for (Buf b : new Buf[]{p, g, m, v}) need(b, n, "adamw", "p/g/m/v");
        // The same folded constants as the Java backend, computed once on the host.
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float invBc2 = (float) (1.0 / (1.0 - Math.pow(beta2, step)));
        launch1d("fb_adamw", n, KernelArgs.of().ptr(a(p)).ptr(a(g)).ptr(a(m)).ptr(a(v)).l(n)
                .f(beta1).f(beta2).f(eps).f(1f - lr * weightDecay).f(stepSize).f(invBc2));
    }

    @Override
    public void sgd(Buf p, Buf g, Buf buf, long n, float lr, float momentum, float weightDecay) {
        if (momentum != 0f && buf == null) throw new IllegalArgumentException("sgd with momentum " + momentum + " needs a momentum buffer");
        need(p, n, "sgd", "p");
        need(g, n, "sgd", "g");
        need(buf, n, "sgd", "buf");
        launch1d("fb_sgd", n, KernelArgs.of().ptr(a(p)).ptr(a(g)).ptr(o(buf)).l(n).f(lr).f(momentum).f(weightDecay));
    }

    // ---- embedding, RMSNorm, RoPE ---------------------------------------------------------

    @Override
    public void embeddingForward(Buf out, Buf table, Buf ids, int N, int C, int V) {
        need(out, (long) N * C, "embedding", "out");
        need(table, (long) V * C, "embedding", "table");
        need(ids, N, "embedding", "ids");
        launch1d("fb_embedding_fwd", (long) N * C, KernelArgs.of().ptr(a(out)).ptr(a(table)).ptr(a(ids)).i(N).i(C).i(V).ptr(errFlag));
        eagerCheck();
    }

    @Override
    public void embeddingBackward(Buf dTable, Buf dOut, Buf ids, int N, int C) {
        need(dOut, (long) N * C, "embeddingBackward", "dOut");
        need(ids, N, "embeddingBackward", "ids");
        launch1d("fb_embedding_bwd", (long) N * C, KernelArgs.of().ptr(a(dTable)).ptr(a(dOut)).ptr(a(ids)).i(N).i(C));
    }

    @Override
    public void rmsnormForward(Buf y, Buf rstd, Buf x, Buf w, int N, int C, float eps) {
        need(y, (long) N * C, "rmsnorm", "y");
        need(x, (long) N * C, "rmsnorm", "x");
        need(rstd, N, "rmsnorm", "rstd");
        need(w, C, "rmsnorm", "w");
        launchRows("fb_rmsnorm_fwd", N, KernelArgs.of().ptr(a(y)).ptr(a(rstd)).ptr(a(x)).ptr(a(w)).i(N).i(C).f(eps));
    }

    @Override
    public void rmsnormBackward(Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rstd, int N, int C) {
        need(dx, (long) N * C, "rmsnormBackward", "dx");
        need(dw, C, "rmsnormBackward", "dw");
        need(dy, (long) N * C, "rmsnormBackward", "dy");
        need(x, (long) N * C, "rmsnormBackward", "x");
        need(rstd, N, "rmsnormBackward", "rstd");
        if (dx != null)
            launchRows("fb_rmsnorm_bwd_dx", N, KernelArgs.of().ptr(a(dx)).ptr(a(dy)).ptr(a(x)).ptr(a(w)).ptr(a(rstd)).i(N).i(C));
        if (dw != null)
            launch1d("fb_rmsnorm_bwd_dw", C, KernelArgs.of().ptr(a(dw)).ptr(a(dy)).ptr(a(x)).ptr(a(rstd)).i(N).i(C));
    }

    @Override
    public void ropeForward(Buf out, Buf x, int B, int T, int H, int D, int pos0, float theta, RopeStyle style) {
        rope(out, x, B, T, H, D, pos0, theta, style, 0);
    }

    @Override
    public void ropeBackward(Buf dx, Buf dOut, int B, int T, int H, int D, int pos0, float theta, RopeStyle style) {
        rope(dx, dOut, B, T, H, D, pos0, theta, style, 1);
    }

    private void rope(Buf dst, Buf src, int B, int T, int H, int D, int pos0, float theta, RopeStyle style, int backward) {
        if (D <= 0 || (D & 1) != 0) throw new IllegalArgumentException("rope: head size D must be even and positive, got " + D);
        long n = (long) B * T * H * D;
        need(dst, n, "rope", "out");
        need(src, n, "rope", "x");
        launch1d("fb_rope", n / 2, KernelArgs.of().ptr(a(dst)).ptr(a(src)).i(B).i(T).i(H).i(D).i(pos0).f(theta)
                .i(style == RopeStyle.INTERLEAVED ? 1 : 0).i(backward));
    }

    // ---- attention (see CudaAttention) --------------------------------------------------------

    @Override
    public void attentionForward(Buf out, Buf lse, Buf q, Buf k, Buf v, int B, int Tq, int Tk, int H, int G, int D, float scale) {
        CudaAttention.forward(this, "f32", out, lse, q, k, v, B, Tq, Tk, H, G, D, scale);
    }

    @Override
    public void attentionBackward(Buf dq, Buf dk, Buf dv, Buf dOut, Buf out, Buf lse, Buf q, Buf k, Buf v,
                                  int B, int Tq, int Tk, int H, int G, int D, float scale) {
        CudaAttention.backward(this, "f32", dq, dk, dv, dOut, out, lse, q, k, v, B, Tq, Tk, H, G, D, scale);
    }

    /** {@link #attentionForward} with bf16 q, k, v (raw bits); out and lse float32. */
    public void attentionForwardBf16(Buf out, Buf lse, Buf q, Buf k, Buf v, int B, int Tq, int Tk, int H, int G, int D, float scale) {
        CudaAttention.forward(this, "bf16", out, lse, q, k, v, B, Tq, Tk, H, G, D, scale);
    }

    /** {@link #attentionBackward} with bf16 q, k, v; dOut, out, lse and the gradients float32. */
    public void attentionBackwardBf16(Buf dq, Buf dk, Buf dv, Buf dOut, Buf out, Buf lse, Buf q, Buf k, Buf v,
                                      int B, int Tq, int Tk, int H, int G, int D, float scale) {
        CudaAttention.backward(this, "bf16", dq, dk, dv, dOut, out, lse, q, k, v, B, Tq, Tk, H, G, D, scale);
    }

    // ---- losses (see CudaLosses) ----------------------------------------------------------------

    @Override
    public void crossEntropyForward(Buf loss, Buf lse, Buf logits, Buf targets, Buf mask, int N, int V) {
        CudaLosses.crossEntropyForward(this, loss, lse, logits, targets, mask, N, V, errFlag);
        eagerCheck();
    }

    @Override
    public void crossEntropyBackward(Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask, int N, int V) {
        CudaLosses.crossEntropyBackward(this, dLogits, dLoss, logits, lse, targets, mask, N, V, errFlag);
        eagerCheck();
    }

    @Override public void klForward(Buf kl, Buf P, Buf Q, Buf mask, int N, int V) { CudaLosses.klForward(this, kl, P, Q, mask, N, V); }
    @Override public void klBackward(Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask, int N, int V) { CudaLosses.klBackward(this, dP, dQ, dKl, P, Q, mask, N, V); }
    @Override public void nmseForward(Buf out, Buf x, Buf y, Buf mask, int N, int C) { CudaLosses.nmseForward(this, out, x, y, mask, N, C); }
    @Override public void nmseBackward(Buf dA, Buf dB, Buf dOut, Buf x, Buf y, Buf mask, int N, int C) { CudaLosses.nmseBackward(this, dA, dB, dOut, x, y, mask, N, C); }
}
