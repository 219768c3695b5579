package io.fedbiot.benchmarks;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.jvm.JavaBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Random;

/**
 * Quick GEMM GFLOP/s without JMH (for tuning): args are shapes as in {@link GemmBenchmark}
 * (default: all of them), {@code -t N} picks the thread count, {@code -b NAME} the backend (java, native, native-avx2, native-generic,
 * or openblas: OpenBLAS's cblas_sgemm through FFM). Prints the mean and the best
 * time (the best is steadier on a shared machine); {@code -cpu} times
 * one thread by its CPU time, which other processes on the machine barely disturb. Needs the project's JVM flags:
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar io.fedbiot.benchmarks.GemmGflops}.
 */
public final class GemmGflops {
    private GemmGflops() {}

    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int threads = 0;
        boolean cpu = false;
        String backend = "java";
        java.util.List<String> shapes = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-t")) threads = Integer.parseInt(args[++i]);
            else if (args[i].equals("-cpu")) cpu = true;
            else if (args[i].equals("-b")) backend = args[++i];
            else shapes.add(args[i]);
        }
        if (shapes.isEmpty())
            shapes = java.util.List.of(GemmBenchmark.class.getField("shape").getAnnotation(
                    org.openjdk.jmh.annotations.Param.class).value());
        if (cpu) threads = 1; // thread CPU time only sees the calling thread
        OpenBlas blas = backend.equals("openblas")
                ? OpenBlas.load(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads) : null;
        Backend be = blas != null || !backend.equals("java") ? Backends.byName(blas != null ? "java" : backend)
                : threads == 0 ? Backends.java() : new JavaBackend(threads);
        String label = blas != null ? "openblas" : be.name();
        System.out.printf("%-10s %-22s %8s %10s %9s %10s %9s%n", "backend", "shape", "threads", "mean ms", "GFLOP/s", "best ms",
                "GFLOP/s");
        for (String s : shapes) {
            GemmBenchmark.Gemm g = GemmBenchmark.Gemm.parse(s);
            try (Arena arena = Arena.ofShared()) {
                Random r = new Random(1);
                Buf a = random(be, r, (long) g.M() * g.K(), arena), b = random(be, r, (long) g.K() * g.N(), arena);
                Buf c = be.allocate(4L * g.M() * g.N(), arena);
                Runnable op = blas != null
                        ? () -> blas.gemm(g.transA(), g.transB(), g.M(), g.N(), g.K(), 1f, HostBuf.of(a), HostBuf.of(b), 0f, HostBuf.of(c))
                        : () -> be.gemm(GemmShape.of(g.transA(), g.transB(), g.M(), g.N(), g.K()), 1f, a, b, 0f, c);
                long end = System.nanoTime() + 1_500_000_000L; // warm-up
                while (System.nanoTime() < end) op.run();
                int n = 0;
                long t0 = System.nanoTime(), best = Long.MAX_VALUE;
                do {
                    long t = cpu ? MX.getCurrentThreadCpuTime() : System.nanoTime();
                    op.run();
                    best = Math.min(best, (cpu ? MX.getCurrentThreadCpuTime() : System.nanoTime()) - t);
                    n++;
                } while (System.nanoTime() - t0 < 2_000_000_000L);
                double sec = (System.nanoTime() - t0) / 1e9 / n;
                System.out.printf(Locale.ROOT, "%-10s %-22s %8d %10.3f %9.1f %10.3f %9.1f%n", label, s, be.threads(), sec * 1e3,
                        g.flops() / sec / 1e9, best / 1e6, g.flops() / best);
            }
        }
    }

    private static Buf random(Backend be, Random r, long n, Arena arena) {
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Buf buf = be.allocate(4 * n, arena);
        be.fromHost(MemorySegment.ofArray(x), buf);
        return buf;
    }
}
