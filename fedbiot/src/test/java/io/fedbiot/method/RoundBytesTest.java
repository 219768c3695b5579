package io.fedbiot.method;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraTarget;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The bytes a round reports, against counts worked out by hand from the tensor shapes. */
class RoundBytesTest {
    @Test
    void payloadUpdateAndModelPackageCountTensorValuesNotPadding() throws Exception {
        try (Checkpoint ck = Checkpoint.load(TestData.shared("models/stories260K.bin"))) {
            LlamaWeights base = ck.weights();
            LlamaConfig c = base.config();
            int[] tokens = TestData.storyTokens();
            // FedBiOT on 5 layers, adapter 1, beta 0.5; rank 5 on wq and w2: w2's A is 5 × hidden, not a multiple of
            // 16 floats for this model, so the flat block carries padding the wire does not.
            Split split = Split.of(Method.FEDBIOT, c.nLayers(), 1, 0.5);
            LoraConfig lora = new LoraConfig(5, 10f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.W2));
            int n = tokens.length, cut = n * 4 / 5, K = 3;
            List<FedClient> clients = new ArrayList<>();
            for (int k = 0; k < K; k++) clients.add(new FedClient(k, TestData.windows(tokens, k * cut / K, (k + 1) * cut / K, 2, 16, 100 + k)));
            var s = new FederatedRun.Settings(Method.FEDBIOT, lora, 2, 2, new ClientTrainer.Settings(2, 1e-3f, 0.9f, 0.95f, 0f, 0f),
                    new Alignment.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 1f, false, true), 1, 2, 7);
            var eval = new FederatedRun.EvalData(List.of(), List.of());
            try (FederatedRun run = new FederatedRun(base, split, s, new InProcessTransport(clients), TestData.windows(tokens, cut, n, 2, 16, 5), eval)) {
                List<FederatedRun.RoundStats> stats = run.run(null);

                long D = c.dim(), H = c.hiddenDim(), kv = (long) c.dim() / c.nHeads() * c.nKvHeads(), V = c.vocabSize();
                // Per LoRA layer: wq A 5×D + B D×5, w2 A 5×H + B D×5.
                long perLayer = 5 * D + D * 5 + 5 * H + D * 5;
                long up = 4 * perLayer * split.adapter().length;
                long down = 4 * perLayer * (split.adapter().length + split.kept().length);
                assertNotEquals(up, 4 * run.adapter().params().flat().numel(), "this shape has padding, so the test can tell");
                // The package: embedding, final norm, classifier unless tied, and per compressed layer two norms,
                // wq, wk, wv, wo and w1, w2, w3.
                long layer = 2 * D + D * D + 2 * kv * D + D * D + 3 * D * H;
                long pkg = 4 * (V * D + D + (c.tiedClassifier() ? 0 : V * D) + layer * split.compressed().length);
                for (FederatedRun.RoundStats st : stats) {
                    assertEquals(down, st.bytesDownPerClient(), "round " + st.round());
                    assertEquals(up, st.bytesUpPerClient(), "round " + st.round());
                    assertEquals(st.round() == 0 ? K * pkg : 0, st.packageBytes(), "the model goes to every client once");
                    assertEquals(2, st.selected().length);
                    assertEquals(2, st.clients().size());
                    for (int i = 0; i < st.clients().size(); i++) {
                        FederatedRun.ClientStat cs = st.clients().get(i);
                        assertEquals(st.included()[i], cs.client());
                        assertEquals(2 * 2, cs.samples(), "2 steps of batch 2");
                        assertEquals(2 * 2 * 16, cs.tokens());
                        assertTrue(Double.isFinite(cs.meanLoss()) && cs.meanLoss() > 0);
                    }
                }
            }
        }
    }
}
