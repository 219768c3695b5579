package io.fedbiot.benchmarks;

import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.cuda.CudaBackend;
import org.openjdk.jmh.annotations.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Causal grouped-KV attention forward + backward on the CUDA backend (needs a GPU), for the
 * comparison with PyTorch's scaled_dot_product_attention in benchmarks/cuda/torch_attention.py.
 * Shape B:T:H:G:D; {@code dtype} f32 or bf16 inputs (f32 accumulation either way).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class CudaAttentionBenchmark {
    @Param({"4:2048:32:4:64"})
    public String shape;

    @Param({"bf16", "f32"})
    public String dtype;

    private CudaBackend be;
    private Arena arena;
    private Buf q, k, v, out, lse, dOut, dq, dk, dv;
    private int B, T, H, G, D;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split(":");
        B = Integer.parseInt(p[0]);
        T = Integer.parseInt(p[1]);
        H = Integer.parseInt(p[2]);
        G = Integer.parseInt(p[3]);
        D = Integer.parseInt(p[4]);
        be = (CudaBackend) Backends.cuda();
        arena = Arena.ofShared();
        long nq = (long) B * T * H * D, nkv = (long) B * T * G * D;
        boolean bf = dtype.equals("bf16");
        q = random(nq, bf, 1);
        k = random(nkv, bf, 2);
        v = random(nkv, bf, 3);
        dOut = random(nq, false, 4);
        out = be.allocate(4 * nq, arena);
        lse = be.allocate(4L * B * H * T, arena);
        dq = be.allocate(4 * nq, arena);
        dk = be.allocate(4 * nkv, arena);
        dv = be.allocate(4 * nkv, arena);
    }

    private Buf random(long n, boolean bf16, long seed) {
        float[] x = new float[Math.toIntExact(n)];
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Buf f = be.allocate(4 * n, arena);
        be.fromHost(MemorySegment.ofArray(x), f);
        if (!bf16) return f;
        Buf b = be.allocate(2 * n, arena);
        be.toBf16(b, f, n);
        return b;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** FLOPs of forward + backward with causal masking: 2 (fwd) + 5 (bwd) T×T×D products over half the matrix. */
    public static double flops(int B, int T, int H, int D) {
        return 7.0 * 2 * B * H * (double) T * T * D / 2;
    }

    @Benchmark
    public void forwardBackward() {
        float scale = (float) (1 / Math.sqrt(D));
        Attention shape = new Attention(B, T, T, H, G, D, scale);
        AttentionIo io = new AttentionIo(q, k, v, out, lse);
        AttentionGrads grads = new AttentionGrads(dq, dk, dv);
        if (dtype.equals("bf16")) {
            be.attentionForwardBf16(shape, io);
            be.attentionBackwardBf16(shape, io, dOut, grads);
        } else {
            be.attentionForward(shape, io);
            be.attentionBackward(shape, io, dOut, grads);
        }
        be.synchronize();
    }
}
