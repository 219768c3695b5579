package io.fedbiot.benchmarks;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.jvm.JavaBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The GEMMs of LLaMA training on the Java backend. A shape "MxKxN:op" is a linear layer
 * X [M,K] -> Y [M,N] with weight W [N,K] (M = batch*tokens); op picks which of its three GEMMs:
 * <ul>
 *   <li>{@code fwd}: Y = X W^T, gemm(M, N, K, transB)</li>
 *   <li>{@code dx}:  dX = dY W, gemm(M, K, N), no transposes</li>
 *   <li>{@code dw}:  dW = dY^T X, gemm(N, K, M, transA)</li>
 * </ul>
 * Every op is 2*M*K*N flops; BenchMain prints GFLOP/s after the run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class GemmBenchmark {

    @Param({"4096x288x768:fwd", "4096x768x288:fwd", "4096x288x288:fwd", "512x288x32000:fwd", "4096x288x288:dx", "4096x288x288:dw",
            "4096x288x768:dx", "4096x768x288:dx", "512x288x32000:dx",
            "4096x288x768:dw", "4096x768x288:dw", "512x288x32000:dw"})
    public String shape;

    /** "all": the shared backend (one thread per core); a number: a JavaBackend with that many threads. */
    @Param({"all", "1"})
    public String threads;

    /** java, native (C kernels; its pool is sized once per process, so threads only affects java), openblas. */
    @Param({"java", "native", "openblas"})
    public String backend;

    private OpenBlas blas;

    private Arena arena;
    private Backend be;
    private Buf a, b, c;
    private Gemm g;

    /** One gemm call's arguments for a shape string. */
    public record Gemm(int M, int N, int K, boolean transA, boolean transB) {
        public double flops() {
            return 2.0 * M * N * K;
        }

        public static Gemm parse(String shape) {
            String[] p = shape.split(":");
            String[] d = p[0].split("x");
            int m = Integer.parseInt(d[0]), k = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]);
            String op = p.length > 1 ? p[1] : "fwd";
            return switch (op) {
                case "fwd" -> new Gemm(m, n, k, false, true);
                case "dx" -> new Gemm(m, k, n, false, false);
                case "dw" -> new Gemm(n, k, m, true, false);
                default -> throw new IllegalArgumentException("unknown op '" + op + "' in " + shape);
            };
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        g = Gemm.parse(shape);
        int t = threads.equals("all") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
        if (backend.equals("openblas")) blas = OpenBlas.load(t);
        be = backend.equals("java") ? (threads.equals("all") ? Backends.java() : new JavaBackend(t))
                : Backends.byName(blas != null ? "java" : backend);
        arena = Arena.ofShared();
        Random r = new Random(42);
        a = random(r, (long) g.M() * g.K());
        b = random(r, (long) g.K() * g.N());
        c = random(r, (long) g.M() * g.N());
    }

    private Buf random(Random r, long n) {
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Buf buf = be.allocate(4 * n, arena);
        be.fromHost(MemorySegment.ofArray(x), buf);
        return buf;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void gemm() {
        if (blas != null) blas.gemm(g.transA(), g.transB(), g.M(), g.N(), g.K(), 1f, HostBuf.of(a), HostBuf.of(b), 0f, HostBuf.of(c));
        else be.gemm(GemmShape.of(g.transA(), g.transB(), g.M(), g.N(), g.K()), 1f, a, b, 0f, c);
    }
}
