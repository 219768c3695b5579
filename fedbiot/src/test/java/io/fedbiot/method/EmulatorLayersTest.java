package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.report.LayerTable;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Per-emulator-layer figures against a float64 reference: the test maps each emulator layer to its
 * teacher layer with the spec's formula written out here, runs the base layers one by one, and
 * computes NMSE and KL itself.
 */
class EmulatorLayersTest {
    @Test
    void eachLayerIsComparedWithTheTeacherLayerEndingItsSegment() throws Exception {
        try (Checkpoint ck = Checkpoint.load(TestData.shared("models/stories260K.bin"))) {
            int[] tokens = TestData.storyTokens();
            List<Batch> batches = TestData.fixed(tokens, 0, tokens.length, 2, 3, 24, 11);
            for (Method rule : List.of(Method.FEDBIOT, Method.FEDOT))
                for (double beta : new double[]{0.2, 0.5}) {
                    Split split = Split.of(rule, 5, 1, beta);
                    int l = rule == Method.FEDBIOT ? 0 : 2, r = rule == Method.FEDBIOT ? 4 : 3;
                    int[] kept = specKept(l, r, beta);
                    assertArrayEquals(kept, split.kept(), rule + " β=" + beta);
                    LlamaModel full = LlamaModel.full(ck.weights());
                    EmulatorLayers got = EmulatorLayers.measure(full, new LlamaModel(ck.weights(), split.compressed()), split, batches, true);
                    LayerTable.Group g = EmulatorLayers.group("x", List.of(got), List.of(got));
                    for (int i = 0; i < kept.length; i++) {
                        int compared = (i + 1 < kept.length ? kept[i + 1] : r) - 1;
                        assertEquals(compared, got.teacherLayer(i), rule + " β=" + beta + " emulator layer " + i);
                        assertEquals(compared, g.layers().get(i).teacherLayer());
                        assertEquals(kept[i], g.layers().get(i).kept());
                        double[] ref = reference(full, l, kept, i, compared, batches);
                        assertEquals(ref[0], got.nmse()[i], 1e-4 * Math.max(1, ref[0]), "NMSE of emulator layer " + i);
                        assertEquals(ref[1], got.kl()[i], 1e-4 * Math.max(1, ref[1]), "KL after emulator layer " + i);
                    }
                }
            // L = 5, FedBiOT a = 1, β = 0.2: k = rint(3.2) = 3, stride 1.5, kept 0, 1, 3: layer 1 stands for teacher 1..2.
            assertArrayEquals(new int[]{0, 1, 3}, Split.of(Method.FEDBIOT, 5, 1, 0.2).kept());
        }
    }

    /** The spec's uniform drop, in doubles: k = rint(n(1-β)) >= 1, kept_i = l + floor(i (n-1)/(k-1)). */
    private static int[] specKept(int l, int r, double beta) {
        int n = r - l;
        long k = Math.max(1, Math.round(Math.rint(n * (1 - beta))));
        int[] out = new int[(int) k];
        for (int i = 0; i < k; i++) out[i] = l + (k == 1 ? 0 : (int) Math.floor(i * (n - 1) / (double) (k - 1)));
        return out;
    }

    /** {NMSE, KL} of emulator layer i: kept[0..i] run in turn vs teacher layers l..compared; KL after handing over. */
    private static double[] reference(LlamaModel full, int l, int[] kept, int i, int compared, List<Batch> batches) {
        double nmse = 0, kl = 0;
        for (Batch b : batches) {
            try (var s = StepScope.open(); var ng = Autograd.noGrad()) {
                Tensor h0 = full.layers(full.embed(Tensor.ofInts(full.backend(), b.inputs(), b.batch(), b.seqLen())), 0, l, 0);
                Tensor emu = h0, teacher = h0;
                for (int j = 0; j <= i; j++) emu = full.layer(kept[j], emu, 0);
                for (int layer = l; layer <= compared; layer++) teacher = full.layer(layer, teacher, 0);
                float[] a = emu.toFloatArray(), t = teacher.toFloatArray();
                Tensor fullOut = h0; // p_F: every layer from l on, one at a time
                for (int layer = l; layer < full.depth(); layer++) fullOut = full.layer(layer, fullOut, 0);
                float[] pF = full.head(fullOut).toFloatArray();
                float[] pI = full.head(full.layers(emu, compared + 1, full.depth(), 0)).toFloatArray();
                int rows = b.batch() * b.seqLen(), C = a.length / rows, V = pF.length / rows;
                double num = 0, den = 0, klSum = 0, valid = 0;
                for (int row = 0; row < rows; row++) {
                    if (b.valid()[row] == 0) continue;
                    valid++;
                    for (int c = 0; c < C; c++) {
                        double d = t[row * C + c] - a[row * C + c];
                        num += d * d;
                        den += (double) t[row * C + c] * t[row * C + c];
                    }
                    klSum += kl(pF, pI, row * V, V);
                }
                nmse += num / den / batches.size();
                kl += klSum / valid / batches.size();
            }
        }
        return new double[]{nmse, kl};
    }

    private static double kl(float[] p, float[] q, int off, int V) {
        double mp = Double.NEGATIVE_INFINITY, mq = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < V; v++) {
            mp = Math.max(mp, p[off + v]);
            mq = Math.max(mq, q[off + v]);
        }
        double zp = 0, zq = 0;
        for (int v = 0; v < V; v++) {
            zp += Math.exp(p[off + v] - mp);
            zq += Math.exp(q[off + v] - mq);
        }
        double s = 0;
        for (int v = 0; v < V; v++) {
            double lp = p[off + v] - mp - Math.log(zp), lq = q[off + v] - mq - Math.log(zq);
            s += Math.exp(lp) * (lp - lq);
        }
        return s;
    }
}
