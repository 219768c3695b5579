package io.fedbiot.kernels;


import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Backend.linearCrossEntropy (classifier + cross-entropy, logits never stored) against a float64
 * reference of logits = h W^T, the masked mean cross-entropy and its gradients. Shapes cross the
 * native row blocks (256) and vocabulary chunks (1024) with partial ones; the largest makes the
 * per-block GEMMs big enough to be threaded, were they not nested.
 */
final class ClassifierCases {
    private ClassifierCases() {}

    static List<ParityCase> all() {
        return List.of(
                new ParityCase("linearCrossEntropy", "loss, gh and gW against float64, masks", ClassifierCases::lossAndGradientsMatchFloat64),
                new ParityCase("linearCrossEntropy", "row-chunked default: every chunk size carries the global mean", ClassifierCases::rowChunksCarryTheGlobalMean),
                new ParityCase("linearCrossEntropy", "a bad target names its id and row", ClassifierCases::badTargetIsNamed));
    }


    /** {loss, gh [N,C], gW [V,C]} in float64. */
    private static double[][] reference(float[] h, float[] W, int[] tg, float[] mask, int N, int C, int V) {
        double[] gh = new double[N * C], gW = new double[V * C];
        double sm = 0, loss = 0;
        for (int n = 0; n < N; n++) sm += mask == null ? 1 : mask[n];
        double[] z = new double[V];
        for (int n = 0; n < N; n++) {
            double w = mask == null ? 1 : mask[n];
            if (w == 0) continue;
            double mx = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                double s = 0;
                for (int c = 0; c < C; c++) s += (double) h[n * C + c] * W[v * C + c];
                z[v] = s;
                mx = Math.max(mx, s);
            }
            double se = 0;
            for (int v = 0; v < V; v++) se += Math.exp(z[v] - mx);
            double lse = mx + Math.log(se);
            loss += w * (lse - z[tg[n]]);
            for (int v = 0; v < V; v++) {
                double d = w / sm * (Math.exp(z[v] - lse) - (v == tg[n] ? 1 : 0));
                for (int c = 0; c < C; c++) {
                    gh[n * C + c] += d * W[v * C + c];
                    gW[v * C + c] += d * h[n * C + c];
                }
            }
        }
        return new double[][]{{sm == 0 ? 0 : loss / sm}, gh, gW};
    }

    static void lossAndGradientsMatchFloat64(Backend be) {
        Random rnd = new Random(31);
        int[][] shapes = {{5, 7, 11}, {37, 13, 3000}, {300, 9, 1030}, {1, 16, 2049}, {600, 64, 2100}};
        {
            for (int[] sh : shapes) {
                int N = sh[0], C = sh[1], V = sh[2];
                float[] h = randn(rnd, N * C, 1), W = randn(rnd, V * C, 0.5);
                int[] tg = rnd.ints(N, 0, V).toArray();
                tg[0] = V - 1;   // a target in the last, partial chunk
                float[] mask = new float[N];
                for (int n = 0; n < N; n++) mask[n] = n % 4 == 1 ? 0f : 1f + n % 3;
                if (N > 1) tg[1] = -5;   // masked row: its (invalid) target must not be read
                for (float[] m : new float[][]{mask, null}) {
                    if (m == null && N > 1) tg[1] = 3;
                    double[][] want = reference(h, W, tg, m, N, C, V);
                    try (Arena arena = Arena.ofShared()) {
                        Buf loss = poisoned(be, 1, arena), gh = poisoned(be, (long) N * C, arena), gW = poisoned(be, (long) V * C, arena);
                        be.linearCrossEntropy(new Classifier(N, C, V), loss, gh, gW, upload(be, h, arena), upload(be, W, arena), uploadInts(be, tg, arena), m == null ? null : upload(be, m, arena));
                        String w = be.name() + " N" + N + " C" + C + " V" + V + (m == null ? " unmasked" : " masked");
                        assertClose(w + " loss", want[0], download(loss), 1e-5, 1e-5);
                        assertClose(w + " gh", want[1], download(gh), 1e-3, 1e-5);
                        assertClose(w + " gW", want[2], download(gW), 1e-3, 1e-5);
                        // Only the loss (inference): gradients skipped.
                        Buf loss2 = poisoned(be, 1, arena);
                        be.linearCrossEntropy(new Classifier(N, C, V), loss2, null, null, upload(be, h, arena), upload(be, W, arena), uploadInts(be, tg, arena), m == null ? null : upload(be, m, arena));
                        assertClose(w + " loss without gradients", want[0], download(loss2), 1e-5, 1e-5);
                    }
                }
            }
        }
    }

    /**
     * The row-chunked composition every backend falls back to (the native one with gW): chunks of
     * 1, 3 and 7 rows, a chunk whose rows are all masked out, a partial last chunk, all rows masked.
     */
    static void rowChunksCarryTheGlobalMean(Backend be) {
        Random rnd = new Random(37);
        int N = 20, C = 6, V = 50;
        float[] h = randn(rnd, N * C, 1), W = randn(rnd, V * C, 0.5);
        int[] tg = rnd.ints(N, 0, V).toArray();
        float[] mask = new float[N];
        for (int n = 0; n < N; n++) mask[n] = n >= 3 && n < 6 ? 0f : 0.5f + n % 3;
        float[] none = new float[N];
            for (int R : new int[]{1, 3, 7, 20, 64})
                for (float[] m : new float[][]{mask, null, none}) {
                    double[][] want = reference(h, W, tg, m, N, C, V);
                    try (Arena arena = Arena.ofShared()) {
                        Buf loss = poisoned(be, 1, arena), gh = poisoned(be, (long) N * C, arena), gW = poisoned(be, (long) V * C, arena);
                        RowChunkedCrossEntropy.run(be, new Classifier(N, C, V), loss, gh, gW, upload(be, h, arena), upload(be, W, arena),
                                uploadInts(be, tg, arena), m == null ? null : upload(be, m, arena), R);
                        String w = be.name() + " R" + R + (m == null ? " unmasked" : m == none ? " all masked" : " masked");
                        assertClose(w + " loss", want[0], download(loss), 1e-5, 1e-5);
                        assertClose(w + " gh", want[1], download(gh), 1e-4, 1e-6);
                        assertClose(w + " gW", want[2], download(gW), 1e-4, 1e-6);
                    }
                }
        assertEquals(5, RowChunkedCrossEntropy.rowsPerChunk(5, Integer.MAX_VALUE));
        assertEquals(128, RowChunkedCrossEntropy.rowsPerChunk(2048, 32000));   // 4 MiB is 32 rows: the floor
        assertEquals(2048, RowChunkedCrossEntropy.rowsPerChunk(4096, 512));
    }

    static void badTargetIsNamed(Backend be) {
        {
            try (Arena arena = Arena.ofShared()) {
                Buf h = upload(be, new float[6], arena), W = upload(be, new float[12], arena);
                var e = assertThrows(IllegalArgumentException.class, () -> be.linearCrossEntropy(new Classifier(2, 3, 4), upload(be, new float[1], arena), null, null, h, W, uploadInts(be, new int[]{1, 4}, arena), null));
                assertTrue(e.getMessage().contains("target id 4 at row 1"), be.name() + ": " + e.getMessage());
            }
        }
    }
}
