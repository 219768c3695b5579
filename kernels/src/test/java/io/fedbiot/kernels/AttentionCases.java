package io.fedbiot.kernels;

import io.fedbiot.kernels.ref.RefAttention;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Causal grouped-KV attention (legend B,T,H,G,D) against the float64 reference: odd shapes,
 * sharp softmax, KV-cache queries (Tq < Tk); the backward against finite differences of the
 * reference on small shapes and the analytic reference on the rest.
 */
public final class AttentionCases {
    private AttentionCases() {}

    static List<ParityCase> all() {
        return List.of(
                new ParityCase("attentionForward", "out and lse: odd shapes, sharp softmax, KV cache", be -> shapes().forEach(c -> forwardMatchesReference(be, c))),
                new ParityCase("attentionForward", "causal: later keys do not change earlier outputs", AttentionCases::laterKeysAndValuesDoNotChangeEarlierOutputs),
                new ParityCase("attentionBackward", "gradient: finite differences of the reference", be -> smallShapes().forEach(c -> backwardMatchesFiniteDifferences(be, c))),
                new ParityCase("attentionBackward", "analytic reference on large shapes", be -> shapes().forEach(c -> backwardMatchesReference(be, c))),
                new ParityCase("attentionBackward", "accumulates, every subset of null gradients", AttentionCases::backwardAccumulatesAndSkipsNullGradients));
    }

    private static final double RTOL = 1e-3, ATOL = 1e-4;

    public record Shape(int B, int Tq, int Tk, int H, int G, int D) {
        int nq() { return B * Tq * H * D; }
        int nkv() { return B * Tk * G * D; }
        double scale() { return 1 / Math.sqrt(D); }
        @Override public String toString() { return "B" + B + " Tq" + Tq + " Tk" + Tk + " H" + H + " G" + G + " D" + D; }
    }

    /** Inputs rounded to float32 once, so kernel and reference see the same numbers. */
    public record Inputs(Shape s, float[] q, float[] k, float[] v) {
        public static Inputs random(Shape s, long seed, double qStd) {
            Random r = new Random(seed);
            return new Inputs(s, randn(r, s.nq(), qStd), randn(r, s.nkv(), 1), randn(r, s.nkv(), 1));
        }
        double[] dq() { return toDouble(q); }
        double[] dk() { return toDouble(k); }
        double[] dv() { return toDouble(v); }
        double[] refOut() { return RefAttention.attention(dq(), dk(), dv(), s.B, s.Tq, s.Tk, s.H, s.G, s.D, s.scale()); }
    }

    /** Odd sizes: T 1..70, D not a multiple of the vector width, H/G 1/1 4/2 6/2 8/8, KV-cache Tq < Tk. */
    static List<Shape> shapes() {
        return List.of(
                new Shape(1, 1, 1, 1, 1, 8),
                new Shape(2, 5, 5, 4, 2, 6),
                new Shape(1, 17, 17, 6, 2, 12),
                new Shape(2, 33, 33, 8, 8, 16),
                new Shape(1, 70, 70, 4, 2, 8),
                new Shape(1, 70, 70, 1, 1, 20),
                new Shape(2, 1, 17, 4, 2, 8),
                new Shape(1, 5, 33, 6, 2, 12),
                new Shape(1, 1, 70, 8, 8, 16),
                new Shape(2, 17, 70, 6, 2, 6));
    }

    /** Small enough for full finite differences of the float64 reference. */
    static List<Shape> smallShapes() {
        return List.of(
                new Shape(1, 1, 1, 1, 1, 8),
                new Shape(2, 5, 5, 4, 2, 6),
                new Shape(1, 3, 7, 6, 2, 8),
                new Shape(1, 1, 5, 2, 1, 12),
                new Shape(1, 17, 17, 4, 2, 8));
    }

    private static Buf[] forward(Backend be, Inputs in, Arena arena) {
        Shape s = in.s;
        Buf out = poisoned(be, s.nq(), arena), lse = poisoned(be, (long) s.B * s.H * s.Tq, arena);
        be.attentionForward(new Attention(s.B, s.Tq, s.Tk, s.H, s.G, s.D, (float) s.scale()), new AttentionIo(upload(be, in.q, arena), upload(be, in.k, arena), upload(be, in.v, arena), out, lse));
        return new Buf[]{out, lse};
    }

    static void forwardMatchesReference(Backend be, Shape s) {
        {
            for (double qStd : new double[]{1, 8}) {   // 8: sharp softmax, scores in the tens
                Inputs in = Inputs.random(s, 11 + s.hashCode(), qStd);
                try (Arena arena = Arena.ofShared()) {
                    Buf[] r = forward(be, in, arena);
                    String what = be.name() + " " + s + " qStd " + qStd;
                    assertClose(what + " out", in.refOut(), download(r[0]), RTOL, ATOL);
                    double[] lse = RefAttention.lse(in.dq(), in.dk(), in.dv(), s.B, s.Tq, s.Tk, s.H, s.G, s.D, s.scale());
                    assertClose(what + " lse", lse, download(r[1]), RTOL, ATOL);
                }
            }
        }
    }

    /** Kernel gradients (into zeroed buffers) of Σ r ⊙ out; {dq, dk, dv}. */
    public static float[][] kernelGrads(Backend be, Inputs in, float[] r, Arena arena) {
        Shape s = in.s;
        Buf[] f = forward(be, in, arena);
        Buf dq = upload(be, new float[s.nq()], arena), dk = upload(be, new float[s.nkv()], arena),
                dv = upload(be, new float[s.nkv()], arena);
        be.attentionBackward(new Attention(s.B, s.Tq, s.Tk, s.H, s.G, s.D, (float) s.scale()), new AttentionIo(upload(be, in.q, arena), upload(be, in.k, arena), upload(be, in.v, arena), f[0], f[1]), upload(be, r, arena), new AttentionGrads(dq, dk, dv));
        return new float[][]{download(dq), download(dk), download(dv)};
    }

    static void backwardMatchesFiniteDifferences(Backend be, Shape s) {
        Inputs in = Inputs.random(s, 5 + s.hashCode(), 1);
        float[] r = randn(new Random(s.hashCode()), s.nq(), 1);
        double[] rd = toDouble(r), q = in.dq(), k = in.dk(), v = in.dv();
        int B = s.B, Tq = s.Tq, Tk = s.Tk, H = s.H, G = s.G, D = s.D;
        double sc = s.scale(), h = 1e-6;
        double[][] fd = {
                finiteDiff(x -> dot(rd, RefAttention.attention(x, k, v, B, Tq, Tk, H, G, D, sc)), q, h),
                finiteDiff(x -> dot(rd, RefAttention.attention(q, x, v, B, Tq, Tk, H, G, D, sc)), k, h),
                finiteDiff(x -> dot(rd, RefAttention.attention(q, k, x, B, Tq, Tk, H, G, D, sc)), v, h)};
        String[] names = {"dq", "dk", "dv"};
        // The analytic float64 backward (used for the big shapes) must agree with finite differences too.
        double[][] ref = RefAttention.backward(rd, q, k, v, B, Tq, Tk, H, G, D, sc);
        for (int i = 0; i < 3; i++) assertClose("reference " + names[i] + " " + s, fd[i], toFloat(ref[i]), 1e-6, 1e-7);
        {
            try (Arena arena = Arena.ofShared()) {
                float[][] got = kernelGrads(be, in, r, arena);
                for (int i = 0; i < 3; i++) assertClose(be.name() + " " + names[i] + " " + s, fd[i], got[i], RTOL, ATOL);
            }
        }
    }

    static void backwardMatchesReference(Backend be, Shape s) {
        Inputs in = Inputs.random(s, 7 + s.hashCode(), 1);
        float[] r = randn(new Random(s.hashCode() + 1), s.nq(), 1);
        double[][] ref = RefAttention.backward(toDouble(r), in.dq(), in.dk(), in.dv(), s.B, s.Tq, s.Tk, s.H, s.G, s.D, s.scale());
        {
            try (Arena arena = Arena.ofShared()) {
                float[][] got = kernelGrads(be, in, r, arena);
                String[] names = {"dq", "dk", "dv"};
                for (int i = 0; i < 3; i++) assertClose(be.name() + " " + names[i] + " " + s, ref[i], got[i], RTOL, ATOL);
            }
        }
    }

    static void backwardAccumulatesAndSkipsNullGradients(Backend be) {
        Shape s = new Shape(2, 9, 13, 6, 2, 12);
        Inputs in = Inputs.random(s, 3, 1);
        Random rnd = new Random(4);
        float[] r = randn(rnd, s.nq(), 1);
        double[][] ref = RefAttention.backward(toDouble(r), in.dq(), in.dk(), in.dv(), s.B, s.Tq, s.Tk, s.H, s.G, s.D, s.scale());
        float[][] pre = {randn(rnd, s.nq(), 1), randn(rnd, s.nkv(), 1), randn(rnd, s.nkv(), 1)};
        {
            try (Arena arena = Arena.ofShared()) {
                Buf[] f = forward(be, in, arena);
                Buf q = upload(be, in.q, arena), k = upload(be, in.k, arena), v = upload(be, in.v, arena);
                Buf dOut = upload(be, r, arena);
                Buf[] g = new Buf[3];
                // Each subset of gradients on its own: the others are null and must not be needed.
                for (int mask = 0; mask < 8; mask++) {
                    for (int i = 0; i < 3; i++) g[i] = upload(be, pre[i], arena);
                    be.attentionBackward(new Attention(s.B, s.Tq, s.Tk, s.H, s.G, s.D, (float) s.scale()), new AttentionIo(q, k, v, f[0], f[1]), dOut, new AttentionGrads((mask & 1) != 0 ? g[0] : null, (mask & 2) != 0 ? g[1] : null, (mask & 4) != 0 ? g[2] : null));
                    for (int i = 0; i < 3; i++) {
                        double[] want = toDouble(pre[i]);
                        if ((mask & (1 << i)) != 0) for (int j = 0; j < want.length; j++) want[j] += ref[i][j];
                        assertClose(be.name() + " grad " + i + " with subset " + mask, want, download(g[i]), RTOL, ATOL);
                    }
                }
            }
        }
    }

    static void laterKeysAndValuesDoNotChangeEarlierOutputs(Backend be) {
        for (Shape s : List.of(new Shape(2, 33, 33, 4, 2, 8), new Shape(1, 5, 17, 6, 2, 6))) {
            Inputs base = Inputs.random(s, 9, 1);
            int j = s.Tk - 3;   // key position to perturb
            Inputs pert = new Inputs(s, base.q, base.k.clone(), base.v.clone());
            for (int b = 0; b < s.B; b++)
                for (int g = 0; g < s.G; g++)
                    for (int d = 0; d < s.D; d++) {
                        int i = ((b * s.Tk + j) * s.G + g) * s.D + d;
                        pert.k[i] += 3;
                        pert.v[i] -= 5;
                    }
            {
                try (Arena arena = Arena.ofShared()) {
                    float[] o1 = download(forward(be, base, arena)[0]), o2 = download(forward(be, pert, arena)[0]);
                    int row = s.H * s.D;
                    for (int b = 0; b < s.B; b++)
                        for (int t = 0; t < s.Tq; t++) {
                            int from = (b * s.Tq + t) * row;
                            float[] a1 = Arrays.copyOfRange(o1, from, from + row), a2 = Arrays.copyOfRange(o2, from, from + row);
                            if (s.Tk - s.Tq + t < j) assertArrayEquals(a1, a2, be.name() + " " + s + " query " + t + " saw key " + j);
                            else assertFalse(Arrays.equals(a1, a2), be.name() + " " + s + " query " + t + " ignored key " + j);
                        }
                }
            }
        }
    }

}
