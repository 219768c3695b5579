package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class MethodCoreTest {
    static Checkpoint ck;
    static LlamaWeights base;
    static int[] tokens;
    static final LoraConfig LORA = new LoraConfig(4, 8f, 0f, EnumSet.allOf(LoraTarget.class));

    @BeforeAll
    static void load() throws Exception {
        ck = Checkpoint.load(TestData.shared("models/stories260K.bin"));
        base = ck.weights();
        tokens = TestData.storyTokens();
    }

    @AfterAll
    static void close() {
        ck.close();
    }

    @Test
    void proximalGradientMatchesFiniteDifferences() {
        var cfg = base.config();
        LoraConfig lc = new LoraConfig(2, 4f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.W2));
        try (Arena a = Arena.ofShared(); var s = StepScope.open()) {
            LoraSet live = LoraSet.create(cfg, lc, new int[]{4}, Backends.java(), a, new Rng(1));
            LoraSet anchor = LoraSet.create(cfg, lc, new int[]{4}, Backends.java(), a, new Rng(2));
            new Rng(3).normal(live.params().flat(), 0.3);
            new Rng(4).normal(anchor.params().flat(), 0.3);
            Tensor term;
            try (var targets = Autograd.targets(live.params().targets())) {   // the anchor stays fixed
                term = LoraProximal.term(live, anchor);
                Autograd.backward(term);
            }
            float[] p0 = live.params().flat().toFloatArray(), g = live.params().grads().toFloatArray();
            float[] anc = anchor.params().flat().toFloatArray();
            double ref = proxRef(live, toD(p0), toD(anc));
            assertEquals(ref, term.item(), 1e-4 * ref);
            double[] x = toD(p0);
            // Central differences on a sample of coordinates of the float64 reference.
            Rng pick = new Rng(5);
            for (int k = 0; k < 200; k++) {
                int i = pick.nextInt(x.length);
                double h = 1e-6, orig = x[i];
                x[i] = orig + h;
                double fp = proxRef(live, x, toD(anc));
                x[i] = orig - h;
                double fm = proxRef(live, x, toD(anc));
                x[i] = orig;
                double fd = (fp - fm) / (2 * h);
                assertEquals(fd, g[i], 1e-3 * Math.abs(fd) + 1e-4, "d prox / d param " + i);
            }
        }
    }

    /** Σ ‖s(BA − B_t A_t)‖² in float64 from the flat blocks, using the set's layout. */
    static double proxRef(LoraSet layout, double[] live, double[] anchor) {
        double s = layout.config().scaling(), total = 0;
        for (int l : layout.layers())
            for (LoraTarget t : layout.config().targets()) {
                Tensor a = layout.a(l, t), b = layout.b(l, t);
                int r = a.dim(0), in = a.dim(1), out = b.dim(0);
                int ao = offset(layout, a), bo = offset(layout, b);
                for (int o = 0; o < out; o++)
                    for (int i = 0; i < in; i++) {
                        double w = 0, wt = 0;
                        for (int k = 0; k < r; k++) {
                            w += live[bo + o * r + k] * live[ao + k * in + i];
                            wt += anchor[bo + o * r + k] * anchor[ao + k * in + i];
                        }
                        total += s * s * (w - wt) * (w - wt);
                    }
            }
        return total;
    }

    static int offset(LoraSet set, Tensor view) {
        var flat = ((io.fedbiot.kernels.HostBuf) set.params().flat().buf()).seg();
        var seg = ((io.fedbiot.kernels.HostBuf) view.buf()).seg();
        return (int) ((seg.address() - flat.address()) / 4);
    }

    static double[] toD(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test
    void fedAvgWeightsBySamples() {
        try (Arena a = Arena.ofShared()) {
            List<LoraSet> sets = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                LoraSet s = LoraSet.empty(base.config(), LORA, new int[]{4}, Backends.java(), a);
                new Rng(10 + k).normal(s.params().flat(), 1);
                sets.add(s);
            }
            LoraSet avg = LoraSet.empty(base.config(), LORA, new int[]{4}, Backends.java(), a);
            FedAvg.average(avg, sets, new long[]{10, 30, 60});
            float[] x = sets.get(0).params().flat().toFloatArray(), y = sets.get(1).params().flat().toFloatArray(),
                    z = sets.get(2).params().flat().toFloatArray(), m = avg.params().flat().toFloatArray();
            for (int i = 0; i < m.length; i++) assertEquals(0.1 * x[i] + 0.3 * y[i] + 0.6 * z[i], m[i], 1e-5);
            assertThrows(IllegalArgumentException.class, () -> FedAvg.average(avg, sets, new long[]{1, 0, 1}));
        }
    }

    @Test
    void alignmentLowersNmseAndKlOnHeldOutPublicData() {
        Split split = Split.of(Method.FEDBIOT, 5, 1, 0.5); // teacher 0..3, keeps 0 and 3
        try (Arena a = Arena.ofShared()) {
            LoraSet adapter = LoraSet.create(base.config(), LORA, split.adapter(), Backends.java(), a, new Rng(1));
            LoraSet emulator = LoraSet.create(base.config(), LORA, split.kept(), Backends.java(), a, new Rng(2));
            new Rng(3).normal(adapter.params().flat(), 0.05); // a non-trivial adapter plugged into both
            LlamaModel full = LlamaModel.full(base);
            full.attach(adapter);
            LlamaModel compressed = new LlamaModel(base, split.compressed());
            compressed.attach(adapter);
            compressed.attach(emulator);
            int cut = tokens.length * 4 / 5;
            List<Batch> heldOut = TestData.fixed(tokens, cut, tokens.length, 2, 4, 32, 7);
            Alignment.Result before = Alignment.measure(full, compressed, split, heldOut, false, true);
            Alignment.Settings s = new Alignment.Settings(40, 3e-3f, 0.9f, 0.95f, 0f, 1f, false, true);
            float[] adapterBefore = adapter.params().flat().toFloatArray(), emulatorBefore = emulator.params().flat().toFloatArray();
            Alignment.align(full, compressed, split, emulator, adapter, TestData.windows(tokens, 0, cut, 4, 32, 8), s);
            Alignment.Result after = Alignment.measure(full, compressed, split, heldOut, false, true);
            assertTrue(after.nmse() < before.nmse() * 0.9, "NMSE " + before.nmse() + " -> " + after.nmse());
            assertTrue(after.kl() < before.kl() * 0.9, "KL " + before.kl() + " -> " + after.kl());
            assertArrayEquals(adapterBefore, adapter.params().flat().toFloatArray(), "alignment trains the emulator, never the adapter");
            assertFalse(Arrays.equals(emulatorBefore, emulator.params().flat().toFloatArray()), "the emulator was trained");
            for (Tensor t : adapter.params().targets()) assertFalse(t.requiresGrad(), "no training target left behind: " + t);
            for (Tensor t : emulator.params().targets()) assertFalse(t.requiresGrad(), "no training target left behind: " + t);
            // Layer-wise NMSE sums one term per emulator layer: at least the output term's size.
            Alignment.Result lw = Alignment.measure(full, compressed, split, heldOut, true, true);
            assertTrue(lw.nmse() >= after.nmse() - 1e-6);
        }
    }

    @Test
    void aClientNeverReceivesADroppedTeacherLayer() throws Exception {
        Split split = Split.of(Method.FEDBIOT, 5, 1, 0.5);
        ClientPackage pkg = ClientPackage.of(base, split, LORA);
        Set<String> names = pkg.tensors().keySet();
        assertTrue(names.contains("tok_embeddings") && names.contains("norm"), "embedding, norm, (tied) classifier");
        for (int l : split.compressed()) assertTrue(names.contains("layers." + l + ".wq"), "layer " + l);
        Set<String> sent = new HashSet<>();
        for (Tensor t : pkg.tensors().values()) sent.add(sha256(t));
        for (int dropped : split.dropped()) {
            assertFalse(names.stream().anyMatch(n -> n.startsWith("layers." + dropped + ".")), "dropped layer " + dropped + " named");
            for (var e : base.toTensors().entrySet())
                if (e.getKey().startsWith("layers." + dropped + "."))
                    assertFalse(sent.contains(sha256(e.getValue())), e.getKey() + " would leak");
        }
        // The server's own copy is still complete.
        assertEquals(5, base.layers().stream().filter(java.util.Objects::nonNull).count());
    }

    static String sha256(Tensor t) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(4 * t.numel())).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : t.toFloatArray()) b.putFloat(f);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    static List<FederatedRun.RoundStats> twoRounds(Method method, long seed, float[][] finalAdapter) {
        Split split = Split.of(method, 5, 1, 0.5);
        int n = tokens.length, cut = n * 4 / 5;
        List<FedClient> clients = new ArrayList<>();
        for (int k = 0; k < 3; k++) clients.add(new FedClient(k, TestData.windows(tokens, k * cut / 3, (k + 1) * cut / 3, 2, 24, 100 + k)));
        var eval = new FederatedRun.EvalData(List.of(TestData.fixed(tokens, cut, n, 1, 2, 24, 9)), TestData.fixed(tokens, cut, n, 1, 2, 24, 10));
        var s = new FederatedRun.Settings(method, new LoraConfig(4, 8f, 0.05f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)), 2, 2,
                new ClientTrainer.Settings(3, 1e-3f, 0.9f, 0.95f, 0f, 0.01f),
                new Alignment.Settings(2, 1e-3f, 0.9f, 0.95f, 0f, 1f, false, true), 1, 1, seed);
        try (FederatedRun run = new FederatedRun(base, split, s, new InProcessTransport(clients), TestData.windows(tokens, 0, cut, 2, 24, 11), eval)) {
            List<FederatedRun.RoundStats> stats = run.run(null);
            finalAdapter[0] = run.adapter().params().flat().toFloatArray();
            // AdapFu: the full model carries exactly the aggregated adapter, on the adapter layers only.
            assertEquals(1, run.fullModel().attached().size());
            assertSame(run.adapter(), run.fullModel().attached().get(0));
            assertArrayEquals(split.adapter(), run.adapter().layers());
            return stats;
        }
    }

    @Test
    void aSeededTwoRoundRunRepeatsExactly() {
        float[][] a = new float[1][], b = new float[1][], c = new float[1][];
        List<FederatedRun.RoundStats> s1 = twoRounds(Method.FEDBIOT, 42, a);
        List<FederatedRun.RoundStats> s2 = twoRounds(Method.FEDBIOT, 42, b);
        assertArrayEquals(a[0], b[0], "same seed, same adapter bits");
        assertEquals(s1.get(1).eval(), s2.get(1).eval());
        assertEquals(2, s1.get(0).selected().length, "2 of 3 clients sampled");
        assertTrue(s1.get(1).align() != null && s1.get(0).align() == null, "FedBiOT aligns from round 1 on");
        assertTrue(s1.get(1).bytesDownPerClient() > s1.get(1).bytesUpPerClient(), "FedBiOT also sends the emulator LoRA");
        twoRounds(Method.FEDBIOT, 43, c);
        assertFalse(java.util.Arrays.equals(a[0], c[0]), "another seed, another run");
        assertTrue(s1.get(1).eval().containsKey("AdapFu/public_loss") && s1.get(1).eval().containsKey("AdapEmu/client_loss"));
    }
}
