package io.fedbiot.benchmarks;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.RopeStyle;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A host backend that forwards every kernel to another one and adds up wall time and process CPU
 * time per op (GEMMs per shape and transpose), for the per-op profile of a training step. CPU
 * time (all kernel threads, divided by their number) is what a busy machine distorts least.
 * Single-threaded callers only (the engine issues kernels from one thread).
 */
final class ProfilingBackend implements Backend {
    private final Backend in;
    private final Map<String, long[]> time = new LinkedHashMap<>();   // op -> {nanos, calls, flops, cpu nanos}
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private long total, totalCpu, cpu0;

    ProfilingBackend(Backend in) {
        if (!in.isHost()) throw new IllegalArgumentException("profiling needs a host backend, got " + in.name());
        this.in = in;
    }

    void reset() {
        time.clear();
        total = 0;
        totalCpu = 0;
    }

    /** Wall-clock start of a kernel; also notes the process CPU time. */
    private long start() {
        cpu0 = OS.getProcessCpuTime();
        return System.nanoTime();
    }

    private void add(String op, long t0, long flops) {
        long dt = System.nanoTime() - t0, dc = OS.getProcessCpuTime() - cpu0;
        long[] a = time.computeIfAbsent(op, k -> new long[4]);
        a[0] += dt;
        a[1]++;
        a[2] += flops;
        a[3] += dc;
        total += dt;
        totalCpu += dc;
    }

    /** Per-op table: ms per step, share of kernel time, calls per step, GFLOP/s for GEMMs. */
    void print(PrintStream out, int steps) {
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
    public void gemm(int batch, boolean tA, boolean tB, int M, int N, int K, float alpha, Buf A, long sA, Buf B, long sB,
                     float beta, Buf C, long sC) {
        long t = start();
        in.gemm(batch, tA, tB, M, N, K, alpha, A, sA, B, sB, beta, C, sC);
        add(String.format("gemm%s %dx%dx%d%s%s", batch > 1 ? " b" + batch : "", M, N, K, tA ? " tA" : "", tB ? " tB" : ""),
                t, 2L * batch * M * N * K);
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

    @Override public void embeddingForward(Buf o, Buf tb, Buf ids, int N, int C, int V) { long t = start(); in.embeddingForward(o, tb, ids, N, C, V); add("embeddingForward", t, 0); }
    @Override public void embeddingBackward(Buf d, Buf dO, Buf ids, int N, int C) { long t = start(); in.embeddingBackward(d, dO, ids, N, C); add("embeddingBackward", t, 0); }
    @Override public void rmsnormForward(Buf y, Buf r, Buf x, Buf w, int N, int C, float e) { long t = start(); in.rmsnormForward(y, r, x, w, N, C, e); add("rmsnormForward", t, 0); }
    @Override public void rmsnormBackward(Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf r, int N, int C) { long t = start(); in.rmsnormBackward(dx, dw, dy, x, w, r, N, C); add("rmsnormBackward", t, 0); }

    @Override
    public void ropeForward(Buf o, Buf x, int B, int T, int H, int D, int p, float th, RopeStyle s) {
        long t = start();
        in.ropeForward(o, x, B, T, H, D, p, th, s);
        add("ropeForward", t, 0);
    }

    @Override
    public void ropeBackward(Buf dx, Buf dO, int B, int T, int H, int D, int p, float th, RopeStyle s) {
        long t = start();
        in.ropeBackward(dx, dO, B, T, H, D, p, th, s);
        add("ropeBackward", t, 0);
    }

    @Override
    public void attentionForward(Buf o, Buf l, Buf q, Buf k, Buf v, int B, int Tq, int Tk, int H, int G, int D, float sc) {
        long t = start();
        in.attentionForward(o, l, q, k, v, B, Tq, Tk, H, G, D, sc);
        add("attentionForward", t, 0);
    }

    @Override
    public void attentionBackward(Buf dq, Buf dk, Buf dv, Buf dO, Buf o, Buf l, Buf q, Buf k, Buf v,
                                  int B, int Tq, int Tk, int H, int G, int D, float sc) {
        long t = start();
        in.attentionBackward(dq, dk, dv, dO, o, l, q, k, v, B, Tq, Tk, H, G, D, sc);
        add("attentionBackward", t, 0);
    }

    @Override public void swigluForward(Buf o, Buf a, Buf b, long n) { long t = start(); in.swigluForward(o, a, b, n); add("swigluForward", t, 0); }
    @Override public void swigluBackward(Buf da, Buf db, Buf dO, Buf a, Buf b, long n) { long t = start(); in.swigluBackward(da, db, dO, a, b, n); add("swigluBackward", t, 0); }

    @Override
    public void crossEntropyForward(Buf loss, Buf lse, Buf lg, Buf tg, Buf m, int N, int V) {
        long t = start();
        in.crossEntropyForward(loss, lse, lg, tg, m, N, V);
        add("crossEntropyForward", t, 0);
    }

    @Override
    public void crossEntropyBackward(Buf d, Buf dL, Buf lg, Buf lse, Buf tg, Buf m, int N, int V) {
        long t = start();
        in.crossEntropyBackward(d, dL, lg, lse, tg, m, N, V);
        add("crossEntropyBackward", t, 0);
    }

    @Override public void klForward(Buf kl, Buf P, Buf Q, Buf m, int N, int V) { long t = start(); in.klForward(kl, P, Q, m, N, V); add("klForward", t, 0); }
    @Override public void klBackward(Buf dP, Buf dQ, Buf dK, Buf P, Buf Q, Buf m, int N, int V) { long t = start(); in.klBackward(dP, dQ, dK, P, Q, m, N, V); add("klBackward", t, 0); }
    @Override public void nmseForward(Buf o, Buf a, Buf b, Buf m, int N, int C) { long t = start(); in.nmseForward(o, a, b, m, N, C); add("nmseForward", t, 0); }
    @Override public void nmseBackward(Buf dA, Buf dB, Buf dO, Buf a, Buf b, Buf m, int N, int C) { long t = start(); in.nmseBackward(dA, dB, dO, a, b, m, N, C); add("nmseBackward", t, 0); }
    @Override public void dropout(Buf o, Buf m, Buf x, long n, float p, long s) { long t = start(); in.dropout(o, m, x, n, p, s); add("dropout", t, 0); }

    @Override
    public void adamw(Buf p, Buf g, Buf m, Buf v, long n, float lr, float b1, float b2, float e, float wd, int step) {
        long t = start();
        in.adamw(p, g, m, v, n, lr, b1, b2, e, wd, step);
        add("adamw", t, 0);
    }

    @Override
    public void sgd(Buf p, Buf g, Buf b, long n, float lr, float mo, float wd) {
        long t = start();
        in.sgd(p, g, b, n, lr, mo, wd);
        add("sgd", t, 0);
    }

    @Override
    public void linearCrossEntropy(Buf loss, Buf gh, Buf gW, Buf h, Buf W, Buf tg, Buf m, int N, int C, int V) {
        long t = start();
        in.linearCrossEntropy(loss, gh, gW, h, W, tg, m, N, C, V);
        // useful classifier flops: logits, dh, dW (the chunked kernel's recompute is not counted)
        long f = 2L * N * C * V * (1 + (gh != null ? 1 : 0) + (gW != null ? 1 : 0));
        add("linearCrossEntropy", t, f);
    }
}
