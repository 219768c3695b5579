package io.fedbiot.method;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.secagg.FixedPoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** FederatedRun with secure aggregation against the same run with plain FedAvg (same seed, stories260K). */
class SecureRoundTest {
    static Checkpoint ck;
    static LlamaWeights base;
    static int[] tokens;

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

    /** The adapter after each round, and the round statistics. */
    static List<float[]> rounds(FederatedRun.SecureAggregation secure, List<FederatedRun.RoundStats> stats) {
        Split split = Split.of(Method.FEDBIOT, 5, 1, 0.5);
        int n = tokens.length, cut = n * 4 / 5;
        List<FedClient> clients = new ArrayList<>();
        for (int k = 0; k < 4; k++) clients.add(new FedClient(k, TestData.windows(tokens, k * cut / 4, (k + 1) * cut / 4, 1 + k, 24, 100 + k)));
        var eval = new FederatedRun.EvalData(List.of(), List.of());
        var s = new FederatedRun.Settings(Method.FEDBIOT, new LoraConfig(4, 8f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)), 2, 3,
                new ClientTrainer.Settings(2, 1e-3f, 0.9f, 0.95f, 0f, 0f),
                new Alignment.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 1f, false, true), 0, 5, 7);
        List<float[]> out = new ArrayList<>();
        try (FederatedRun run = new FederatedRun(base, split, s, new InProcessTransport(clients), TestData.windows(tokens, 0, cut, 2, 24, 11), eval)) {
            run.secureAggregation(secure).prealign();
            for (int t = 0; t < 2; t++) {
                stats.add(run.round(t));
                out.add(run.adapter().params().flat().toFloatArray());
            }
        }
        return out;
    }

    @Test
    void secureAggregationGivesPlainFedAvgsAdapterWithinThePrecision() {
        List<FederatedRun.RoundStats> plainStats = new ArrayList<>(), secureStats = new ArrayList<>();
        List<float[]> plain = rounds(null, plainStats);
        int bits = 24;
        List<float[]> secure = rounds(new FederatedRun.SecureAggregation(0, bits), secureStats);
        double bound = new FixedPoint(bits, 3).meanError();
        for (int t = 0; t < 2; t++) {
            float[] a = plain.get(t), b = secure.get(t);
            assertEquals(a.length, b.length);
            double worst = 0;
            for (int j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]) - Math.ulp(a[j]) * 4);
            // Round 0 is one aggregation of the same updates; round 1 trains from adapters that already differ
            // by that much, so it may differ by a small multiple (AdamW's few steps).
            assertTrue(worst <= (t == 0 ? bound : 100 * bound), "round " + t + ": worst difference " + worst + ", bound " + bound);
            assertFalse(java.util.Arrays.equals(a, plain.get(0)) && t == 1, "the adapter moves between rounds");
        }
        assertArrayEquals(plainStats.get(1).selected(), secureStats.get(1).selected(), "same sampling");
        assertTrue(secureStats.get(0).bytesUpPerClient() > 2 * plainStats.get(0).bytesUpPerClient() - 1,
                "a ring element is 8 bytes against a float's 4: " + secureStats.get(0).bytesUpPerClient() + " vs " + plainStats.get(0).bytesUpPerClient());
    }
}
