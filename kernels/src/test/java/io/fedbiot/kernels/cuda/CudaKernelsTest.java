package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.Rows;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.ref.RefAttention;
import io.fedbiot.kernels.ref.RefGemm;
import io.fedbiot.kernels.ref.RefLosses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What only the CUDA backend has or stresses, against the float64 references: attention at
 * LLaMA head sizes across many key tiles, the bf16 paths (attention, GEMM, conversions),
 * multi-block reductions, a 32000-word vocabulary, device memory accounting. Every other op runs
 * on the GPU through the per-op tests in io.fedbiot.kernels.jvm, whose backend list includes
 * cuda where a GPU is usable. Without one, each test here skips naming the probe's reason.
 */
class CudaKernelsTest {
    static CudaBackend gpu() {
        CudaProbe p = CudaProbe.get();
        assumeTrue(p.usable(), () -> "no usable GPU, CUDA kernel test skipped: " + p.reason());
        return (CudaBackend) Backends.cuda();
    }

    /** float32 to bf16 bits, round to nearest even (the host twin of f_to_bf16). */
    static short bf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) return (short) ((x >>> 16) | 0x40);
        return (short) ((x + 0x7FFF + ((x >>> 16) & 1)) >>> 16);
    }

    static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    static float[] roundBf16(float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = bf16ToFloat(bf16(x[i]));
        return r;
    }

    /** Uploads x as bf16 bits. */
    static Buf uploadBf16(CudaBackend be, float[] x, Arena arena) {
        short[] bits = new short[x.length];
        for (int i = 0; i < x.length; i++) bits[i] = bf16(x[i]);
        Buf b = be.allocate(2L * x.length, arena);
        be.fromHost(MemorySegment.ofArray(bits), b);
        return b;
    }

    @ParameterizedTest(name = "D={0}")
    @ValueSource(ints = {64, 128, 80})
    void attentionAtHeadSizesAcrossManyTiles(int D) {
        CudaBackend be = gpu();
        int[][] shapes = {{1, 100, 100, 4, 2}, {2, 65, 65, 2, 1}, {1, 7, 130, 4, 4}, {1, 1, 97, 8, 2}};
        for (int[] s : shapes) for (boolean bf : new boolean[]{false, true}) attentionCase(be, s[0], s[1], s[2], s[3], s[4], D, bf);
    }

    private static void attentionCase(CudaBackend be, int B, int Tq, int Tk, int H, int G, int D, boolean bf) {
        Random r = new Random(B * 1000L + Tq * 31L + Tk + D);
        int nq = B * Tq * H * D, nkv = B * Tk * G * D;
        float[] q = randn(r, nq, 1), k = randn(r, nkv, 1), v = randn(r, nkv, 1), dOut = randn(r, nq, 1);
        if (bf) { q = roundBf16(q); k = roundBf16(k); v = roundBf16(v); }
        double scale = 1 / Math.sqrt(D);
        double[] wantOut = RefAttention.attention(toDouble(q), toDouble(k), toDouble(v), B, Tq, Tk, H, G, D, scale);
        double[] wantLse = RefAttention.lse(toDouble(q), toDouble(k), toDouble(v), B, Tq, Tk, H, G, D, scale);
        double[][] wantGrads = RefAttention.backward(toDouble(dOut), toDouble(q), toDouble(k), toDouble(v), B, Tq, Tk, H, G, D, scale);
        String what = (bf ? "bf16" : "f32") + " B" + B + " Tq" + Tq + " Tk" + Tk + " H" + H + " G" + G + " D" + D;
        try (Arena arena = Arena.ofShared()) {
            Buf qb = bf ? uploadBf16(be, q, arena) : upload(be, q, arena);
            Buf kb = bf ? uploadBf16(be, k, arena) : upload(be, k, arena);
            Buf vb = bf ? uploadBf16(be, v, arena) : upload(be, v, arena);
            Buf out = poisoned(be, nq, arena), lse = poisoned(be, (long) B * H * Tq, arena);
            if (bf) be.attentionForwardBf16(new Attention(B, Tq, Tk, H, G, D, (float) scale), new AttentionIo(qb, kb, vb, out, lse));
            else be.attentionForward(new Attention(B, Tq, Tk, H, G, D, (float) scale), new AttentionIo(qb, kb, vb, out, lse));
            assertClose(what + " out", wantOut, download(out), 1e-3, 1e-4);
            assertClose(what + " lse", wantLse, download(lse), 1e-4, 1e-4);
            // Gradients accumulate: start from ones and expect ones + the reference.
            Buf dq = upload(be, ones(nq), arena), dk = upload(be, ones(nkv), arena), dv = upload(be, ones(nkv), arena);
            Buf dob = upload(be, dOut, arena);
            if (bf) be.attentionBackwardBf16(new Attention(B, Tq, Tk, H, G, D, (float) scale), new AttentionIo(qb, kb, vb, out, lse), dob, new AttentionGrads(dq, dk, dv));
            else be.attentionBackward(new Attention(B, Tq, Tk, H, G, D, (float) scale), new AttentionIo(qb, kb, vb, out, lse), dob, new AttentionGrads(dq, dk, dv));
            assertClose(what + " dq", plusOne(wantGrads[0]), download(dq), 2e-3, 2e-4);
            assertClose(what + " dk", plusOne(wantGrads[1]), download(dk), 2e-3, 2e-4);
            assertClose(what + " dv", plusOne(wantGrads[2]), download(dv), 2e-3, 2e-4);
        }
    }

    static float[] ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return x;
    }

    static double[] plusOne(double[] x) {
        double[] y = x.clone();
        for (int i = 0; i < y.length; i++) y[i] += 1;
        return y;
    }

    @Test
    void bf16GemmAccumulatesInFloat32() {
        CudaBackend be = gpu();
        Random r = new Random(3);
        int batch = 3, M = 37, N = 129, K = 300;
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true}) {
                float[] A = roundBf16(randn(r, batch * M * K, 1)), B = roundBf16(randn(r, K * N, 1));
                double[] want = RefGemm.gemm(batch, ta, tb, M, N, K, 1, toDouble(A), (long) M * K, toDouble(B), 0,
                        0, new double[batch * M * N], (long) M * N);
                try (Arena arena = Arena.ofShared()) {
                    Buf C = poisoned(be, batch * M * N, arena);
                    be.gemmBf16(new GemmShape(batch, ta, tb, M, N, K, (long) M * K, 0, (long) M * N), 1f, uploadBf16(be, A, arena), uploadBf16(be, B, arena), 0f, C);
                    assertClose("bf16 gemm ta " + ta + " tb " + tb, want, download(C), 1e-4, 1e-3);
                }
            }
    }

    @Test
    void bf16ConversionsMatchTheHostRounding() {
        CudaBackend be = gpu();
        float[] x = randn(new Random(5), 10_001, 3);
        x[0] = Float.NaN;
        x[1] = Float.POSITIVE_INFINITY;
        x[2] = -0f;
        x[3] = Float.MIN_VALUE;
        try (Arena arena = Arena.ofShared()) {
            Buf src = upload(be, x, arena), bits = be.allocate(2L * x.length, arena), back = poisoned(be, x.length, arena);
            be.toBf16(bits, src, x.length);
            be.fromBf16(back, bits, x.length);
            MemorySegment host = arena.allocate(2L * x.length, 2);
            be.toHost(bits, host);
            for (int i = 0; i < x.length; i++)
                assertEquals(bf16(x[i]), host.getAtIndex(ValueLayout.JAVA_SHORT, i), "bf16 bits of element " + i + " = " + x[i]);
            float[] got = download(back);
            for (int i = 0; i < x.length; i++)
                assertEquals(Float.floatToIntBits(bf16ToFloat(bf16(x[i]))), Float.floatToIntBits(got[i]), "element " + i);
        }
    }

    @Test
    void reductionsOverManyBlocksAccumulateInDouble() {
        CudaBackend be = gpu();
        int n = 3_000_017;
        float[] x = uniform(new Random(9), n, -1, 1.5);
        double sum = 0, sq = 0;
        for (float f : x) { sum += f; sq += (double) f * f; }
        try (Arena arena = Arena.ofShared()) {
            Buf xb = upload(be, x, arena), out = poisoned(be, 1, arena);
            be.sum(out, xb, n);
            assertClose("sum", sum, download(out)[0], 1e-6, 1e-6);
            be.sumSquares(out, xb, n);
            assertClose("sumSquares", sq, download(out)[0], 1e-6, 1e-6);
        }
    }

    @Test
    void crossEntropyOverALlamaVocabulary() {
        CudaBackend be = gpu();
        int N = 7, V = 32_000;
        Random r = new Random(11);
        float[] logits = randn(r, N * V, 4);
        int[] t = new int[N];
        for (int i = 0; i < N; i++) t[i] = r.nextInt(V);
        double[] mask = {1, 0, 1, 1, 0.5, 1, 1};
        double want = RefLosses.crossEntropy(toDouble(logits), t, mask, N, V);
        try (Arena arena = Arena.ofShared()) {
            Buf loss = poisoned(be, 1, arena), lse = poisoned(be, N, arena);
            be.crossEntropyForward(new Rows(N, V), loss, lse, upload(be, logits, arena), uploadInts(be, t, arena), upload(be, mask, arena));
            assertClose("CE V=32000", want, download(loss)[0], 1e-5, 1e-5);
            assertClose("lse V=32000", RefLosses.rowLse(toDouble(logits), N, V), download(lse), 1e-5, 1e-5);
        }
    }

    @Test
    void strideZeroOutputAccumulatesBatchItemsInOrder() {
        CudaBackend be = gpu();
        Random r = new Random(13);
        int batch = 5, M = 9, N = 11, K = 6;
        float[] A = randn(r, batch * M * K, 1), B = randn(r, batch * K * N, 1), C = randn(r, M * N, 1);
        double[] want = RefGemm.gemm(batch, false, false, M, N, K, 1, toDouble(A), (long) M * K, toDouble(B), (long) K * N,
                1, toDouble(C), 0);
        try (Arena arena = Arena.ofShared()) {
            Buf cb = upload(be, C, arena);
            be.gemm(new GemmShape(batch, false, false, M, N, K, (long) M * K, (long) K * N, 0), 1f, upload(be, A, arena), upload(be, B, arena), 1f, cb);
            assertClose("gemm strideC 0", want, download(cb), 1e-5, 1e-5);
        }
    }

    @Test
    void allocationsAreZeroedAndFreedWithTheirArena() {
        CudaBackend be = gpu();
        long before = be.liveBytes();
        try (Arena arena = Arena.ofShared()) {
            Buf b = be.allocate(4L * 1000, arena);
            assertEquals(before + 4000, be.liveBytes());
            for (float f : download(b)) assertEquals(0f, f);
            Buf s = b.slice(400, 40);
            be.fill(s, 10, 2f);
            float[] all = download(b);
            for (int i = 0; i < 1000; i++) assertEquals(i >= 100 && i < 110 ? 2f : 0f, all[i], "element " + i);
            assertTrue(be.timeMillis(() -> be.fill(b, 1000, 1f)) >= 0f);
        }
        assertEquals(before, be.liveBytes());
    }

    @Test
    void hostBuffersAreRefusedWithAClearMessage() {
        CudaBackend be = gpu();
        try (Arena arena = Arena.ofShared()) {
            Buf host = upload(Backends.java(), new float[4], arena), dev = be.allocate(16, arena);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.add(dev, dev, host, 4));
            assertTrue(e.getMessage().contains("java"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> be.fill(dev, 5, 0f), "size is checked before launching");
        }
    }
}
