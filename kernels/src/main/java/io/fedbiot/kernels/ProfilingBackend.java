package io.fedbiot.kernels;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A host backend that forwards every kernel to another one and adds up wall time and process CPU
 * time per op (GEMMs per shape and transpose), for the per-op profile of a training step. CPU
 * time (all kernel threads, divided by their number) is what a busy machine distorts least.
 * Single-threaded callers only (the engine issues kernels from one thread). Used by the CLI's
 * {@code bench --profile} and the benchmarks' step runners, so it lives next to {@link Backend}.
 */
public final class ProfilingBackend implements Backend {
    /**
     * One op's totals: {@code kind} is the Backend method, {@code name} adds the GEMM shape
     * ("gemm 8x64x32 tB"); {@code flops} counts useful work (GEMMs and the fused classifier).
     */
    public record Op(String name, String kind, long calls, long wallNanos, long cpuNanos, long flops) {}

    private final Backend in;
    private final Map<String, long[]> time = new LinkedHashMap<>();   // op -> {nanos, calls, flops, cpu nanos}
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private long total, totalCpu, cpu0;
    private final boolean cpuTime;

    /** Wall and process CPU time per op. */
    public ProfilingBackend(Backend in) {
        this(in, true);
    }

    /**
     * {@code cpuTime} false: wall time only. Reading the process CPU time is a system call at each
     * op's start and end, which on a decode of small ops is a good part of the time measured.
     */
    public ProfilingBackend(Backend in, boolean cpuTime) {
        if (!in.isHost()) throw new IllegalArgumentException("profiling needs a host backend, got " + in.name());
        this.in = in;
        this.cpuTime = cpuTime;
    }

    /** Forgets what was recorded (after a warm-up). */
    public void reset() {
        time.clear();
        total = 0;
        totalCpu = 0;
    }

    /** Wall-clock start of a kernel; also notes the process CPU time. */
    private long start() {
        if (cpuTime) cpu0 = OS.getProcessCpuTime();
        return System.nanoTime();
    }

    private void add(String op, long t0, long flops) {
        long dt = System.nanoTime() - t0, dc = cpuTime ? OS.getProcessCpuTime() - cpu0 : 0;
        long[] a = time.computeIfAbsent(op, k -> new long[4]);
        a[0] += dt;
        a[1]++;
        a[2] += flops;
        a[3] += dc;
        total += dt;
        totalCpu += dc;
    }

    /** Calls recorded for ops whose name starts with {@code prefix} (GEMMs are named per shape: "gemm 8x64x32 tB"). */
    public long calls(String prefix) {
        long n = 0;
        for (var e : time.entrySet()) if (e.getKey().startsWith(prefix)) n += e.getValue()[1];
        return n;
    }

    /** Every op recorded since the last reset, in the order first called. */
    public List<Op> ops() {
        List<Op> ops = new ArrayList<>(time.size());
        for (var e : time.entrySet()) {
            long[] a = e.getValue();
            String name = e.getKey();
            int sp = name.indexOf(' ');
            ops.add(new Op(name, sp < 0 ? name : name.substring(0, sp), a[1], a[0], a[3], a[2]));
        }
        return ops;
    }

    /** Wall nanoseconds spent inside kernels since the last reset. */
    public long kernelNanos() {
        return total;
    }

    /** Per-op table: ms per step, share of kernel time, calls per step, GFLOP/s for GEMMs. */
    public void print(PrintStream out, int steps) {
        int th = in.threads();
        out.printf(Locale.ROOT, "%-34s %9s %11s %7s %6s %11s%n", "op (" + in.name() + ", " + th + " threads)", "wall ms",
                "cpu ms/thr", "share", "calls", "GFLOP/s cpu");
        time.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[3]))
                .forEach(e -> {
                    long[] a = e.getValue();
                    double cpuPerThread = a[3] / (double) th;
                    out.printf(Locale.ROOT, "%-34s %9.1f %11.1f %6.1f%% %6d %11s%n", e.getKey(), a[0] / 1e6 / steps,
                            cpuPerThread / 1e6 / steps, 100.0 * a[3] / Math.max(1, totalCpu), a[1] / steps,
                            a[2] > 0 ? String.format(Locale.ROOT, "%.1f", a[2] / cpuPerThread) : "");
                });
        out.printf(Locale.ROOT, "%-34s %9.1f %11.1f   (per step)%n", "all kernels", total / 1e6 / steps, totalCpu / 1e6 / th / steps);
    }

    @Override public String name() { return in.name(); }
    @Override public boolean isHost() { return true; }
    @Override public int threads() { return in.threads(); }
    @Override public long liveBytes() { return in.liveBytes(); }
    @Override public void synchronize() { in.synchronize(); }
    @Override public Buf allocate(long bytes, Arena arena) { return new HostBuf(HostBuf.of(in.allocate(bytes, arena)), this); }
    @Override public void toHost(Buf src, MemorySegment dst) { in.toHost(src, dst); }
    @Override public void fromHost(MemorySegment src, Buf dst) { in.fromHost(src, dst); }

    @Override
    public void gemm(GemmShape g, float alpha, Buf A, Buf B, float beta, Buf C) {
        long t = start();
        in.gemm(g, alpha, A, B, beta, C);
        add(String.format("gemm%s %dx%dx%d%s%s", g.batch() > 1 ? " b" + g.batch() : "", g.M(), g.N(), g.K(),
                g.transA() ? " tA" : "", g.transB() ? " tB" : ""), t, 2L * g.batch() * g.M() * g.N() * g.K());
    }

    @Override public void fill(Buf x, long n, float v) { long t = start(); in.fill(x, n, v); add("fill", t, 0); }
    @Override public void copy(Buf d, Buf s, long n) { long t = start(); in.copy(d, s, n); add("copy", t, 0); }
    @Override public void add(Buf o, Buf a, Buf b, long n) { long t = start(); in.add(o, a, b, n); add("add", t, 0); }
    @Override public void mul(Buf o, Buf a, Buf b, long n) { long t = start(); in.mul(o, a, b, n); add("mul", t, 0); }
    @Override public void mulAcc(Buf y, Buf a, Buf b, long n) { long t = start(); in.mulAcc(y, a, b, n); add("mulAcc", t, 0); }
    @Override public void scale(Buf o, Buf x, float s, long n) { long t = start(); in.scale(o, x, s, n); add("scale", t, 0); }
    @Override public void axpy(Buf y, float a, Buf x, long n) { long t = start(); in.axpy(y, a, x, n); add("axpy", t, 0); }
    @Override public void addScalar(Buf y, Buf s, float f, long n) { long t = start(); in.addScalar(y, s, f, n); add("addScalar", t, 0); }
    @Override public void sum(Buf o, Buf x, long n) { long t = start(); in.sum(o, x, n); add("sum", t, 0); }
    @Override public void sumSquares(Buf o, Buf x, long n) { long t = start(); in.sumSquares(o, x, n); add("sumSquares", t, 0); }

    @Override public void embeddingForward(Embedding e, Buf o, Buf tb, Buf ids) { long t = start(); in.embeddingForward(e, o, tb, ids); add("embeddingForward", t, 0); }
    @Override public void embeddingBackward(Embedding e, Buf d, Buf dO, Buf ids) { long t = start(); in.embeddingBackward(e, d, dO, ids); add("embeddingBackward", t, 0); }
    @Override public void rmsnormForward(RmsNorm r, Buf y, Buf rs, Buf x, Buf w) { long t = start(); in.rmsnormForward(r, y, rs, x, w); add("rmsnormForward", t, 0); }
    @Override public void rmsnormBackward(RmsNorm r, Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rs) { long t = start(); in.rmsnormBackward(r, dx, dw, dy, x, w, rs); add("rmsnormBackward", t, 0); }
    @Override public void ropeForward(Rope r, Buf o, Buf x) { long t = start(); in.ropeForward(r, o, x); add("ropeForward", t, 0); }
    @Override public void ropeBackward(Rope r, Buf dx, Buf dO) { long t = start(); in.ropeBackward(r, dx, dO); add("ropeBackward", t, 0); }
    @Override public void attentionForward(Attention a, AttentionIo io) { long t = start(); in.attentionForward(a, io); add("attentionForward", t, 0); }

    @Override
    public void attentionBackward(Attention a, AttentionIo io, Buf dO, AttentionGrads g) {
        long t = start();
        in.attentionBackward(a, io, dO, g);
        add("attentionBackward", t, 0);
    }

    @Override public void swigluForward(Buf o, Buf a, Buf b, long n) { long t = start(); in.swigluForward(o, a, b, n); add("swigluForward", t, 0); }
    @Override public void swigluBackward(Buf da, Buf db, Buf dO, Buf a, Buf b, long n) { long t = start(); in.swigluBackward(da, db, dO, a, b, n); add("swigluBackward", t, 0); }

    @Override
    public void crossEntropyForward(Rows r, Buf loss, Buf lse, Buf lg, Buf tg, Buf m) {
        long t = start();
        in.crossEntropyForward(r, loss, lse, lg, tg, m);
        add("crossEntropyForward", t, 0);
    }

    @Override
    public void crossEntropyBackward(Rows r, Buf d, Buf dL, Buf lg, Buf lse, Buf tg, Buf m) {
        long t = start();
        in.crossEntropyBackward(r, d, dL, lg, lse, tg, m);
        add("crossEntropyBackward", t, 0);
    }

    @Override public void klForward(Rows r, Buf kl, Buf P, Buf Q, Buf m) { long t = start(); in.klForward(r, kl, P, Q, m); add("klForward", t, 0); }
    @Override public void klBackward(Rows r, Buf dP, Buf dQ, Buf dK, Buf P, Buf Q, Buf m) { long t = start(); in.klBackward(r, dP, dQ, dK, P, Q, m); add("klBackward", t, 0); }
    @Override public void nmseForward(Rows r, Buf o, Buf a, Buf b, Buf m) { long t = start(); in.nmseForward(r, o, a, b, m); add("nmseForward", t, 0); }
    @Override public void nmseBackward(Rows r, Buf dA, Buf dB, Buf dO, Buf a, Buf b, Buf m) { long t = start(); in.nmseBackward(r, dA, dB, dO, a, b, m); add("nmseBackward", t, 0); }
    @Override public void dropout(Dropout d, Buf o, Buf m, Buf x, long n) { long t = start(); in.dropout(d, o, m, x, n); add("dropout", t, 0); }
    @Override public void adamw(AdamWStep s, Buf p, Buf g, Buf m, Buf v, long n) { long t = start(); in.adamw(s, p, g, m, v, n); add("adamw", t, 0); }
    @Override public void sgd(SgdStep s, Buf p, Buf g, Buf b, long n) { long t = start(); in.sgd(s, p, g, b, n); add("sgd", t, 0); }

    @Override
    public void linearCrossEntropy(Classifier c, Buf loss, Buf gh, Buf gW, Buf h, Buf W, Buf tg, Buf m) {
        long t = start();
        in.linearCrossEntropy(c, loss, gh, gW, h, W, tg, m);
        // useful classifier flops: logits, dh, dW (the chunked kernel's recompute is not counted)
        long f = 2L * c.N() * c.C() * c.V() * (1 + (gh != null ? 1 : 0) + (gW != null ? 1 : 0));
        add("linearCrossEntropy", t, f);
    }
}
