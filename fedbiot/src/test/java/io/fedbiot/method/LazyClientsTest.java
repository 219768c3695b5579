package io.fedbiot.method;

import io.fedbiot.data.Batcher;
import io.fedbiot.data.Partition;
import io.fedbiot.data.Partitioners;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.data.TokenizedRow;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The in-process federation on stories260K with clients built only when picked: the same run as
 * clients held throughout, nothing materialised before a pick, released after, and the client
 * state of 100 clients at participation 0.1 against holding all 100.
 */
class LazyClientsTest {
    static Checkpoint ck;
    static LlamaWeights base;
    static TokenizedDataset data;
    static final LoraConfig LORA = new LoraConfig(4, 8f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV));

    @BeforeAll
    static void load() throws Exception {
        ck = Checkpoint.load(TestData.shared("models/stories260K.bin"));
        base = ck.weights();
        int[] tokens = TestData.storyTokens();
        TokenizedDataset.Builder b = TokenizedDataset.builder("stories");
        for (int i = 0, at = 0; i < 400; i++) {
            int len = 12 + i % 13;
            int[] ids = java.util.Arrays.copyOfRange(tokens, at, at + len);
            byte[] mask = new byte[len];
            for (int j = len / 3; j < len; j++) mask[j] = 1;
            b.add(new TokenizedRow(ids, mask), i + 1, Map.of());
            at = (at + len) % (tokens.length - 30); // the sample is short: rows may repeat text
        }
        data = b.build(Map.of());
    }

    @AfterAll
    static void close() {
        ck.close();
    }

    private static RunPlan.MethodRun plan(Method m, int rounds, double participation, int steps) {
        var s = new FederatedRun.Settings(m, LORA, rounds, 0, participation, new ClientTrainer.Settings(steps, 1e-3f, 0.9f, 0.95f, 0f, 0f),
                new Alignment.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 1f, false, true), 1, 1000, 7);
        return new RunPlan.MethodRun(m.key(), m.label(), m, 7, Split.of(m, 5, 1, 0.5), s);
    }

    private static FederatedRun run(RunPlan.MethodRun mr, Transport t) {
        BatchSource pub = mr.method() == Method.FEDBIOT ? new Batcher(data, Partitioners.all(50), 2, 3)::next : null;
        return new FederatedRun(base, mr.split(), mr.settings(), t, pub, new FederatedRun.EvalData(List.of(), List.of()));
    }

    @Test
    void fullParticipationGivesTheSameRunAsClientsHeldThroughout() {
        RunPlan.MethodRun mr = plan(Method.FEDBIOT, 3, 0, 4);
        Partition p = Partitioners.iid(java.util.stream.IntStream.range(50, 110).toArray(), 3, 1); // 20 rows each: 24 samples wrap an epoch
        // As the transport was built before: each client holds a Batcher for the whole run.
        List<FedClient> held = new ArrayList<>();
        for (int k = 0; k < 3; k++) held.add(new FedClient(k, new Batcher(data, p.client(k), 2, RunPlan.clientSeed(7, k))::next));
        List<FederatedRun.RoundStats> a, b;
        float[] adapterA, adapterB;
        try (FederatedRun r = run(mr, new InProcessTransport(held))) {
            a = r.run(null);
            adapterA = r.adapter().params().flat().toFloatArray();
        }
        try (FederatedRun r = run(mr, InProcessTransport.lazy(Experiment.clients(mr, data, p, 2)))) {
            b = r.run(null);
            adapterB = r.adapter().params().flat().toFloatArray();
        }
        assertEquals(a.size(), b.size());
        for (int t = 0; t < a.size(); t++) {
            assertArrayEquals(a.get(t).selected(), b.get(t).selected());
            assertEquals(a.get(t).clients(), b.get(t).clients(), "round " + t); // samples, loss, tokens per client, exactly
            assertEquals(a.get(t).clientLoss(), b.get(t).clientLoss());
        }
        assertArrayEquals(adapterA, adapterB);
    }

    @Test
    void hundredClientsAtATenthAreBuiltOnlyWhenPickedAndReleasedAfter() {
        int K = 100, steps = 2, rounds = 4;
        RunPlan.MethodRun mr = plan(Method.FEDOT, rounds, 0.1, steps);
        Partition p = Partitioners.iid(Partitioners.all(data.size()), K, 2);
        List<List<Long>> opens = new ArrayList<>();
        List<ClientData> counted = new ArrayList<>();
        for (ClientData c : Experiment.clients(mr, data, p, 2)) {
            List<Long> mine = new ArrayList<>();
            opens.add(mine);
            counted.add(new ClientData(c.id(), c.rows(), skip -> {
                mine.add(skip);
                return c.open().open(skip);
            }));
        }
        InProcessTransport lazy = InProcessTransport.lazy(counted);
        long lazyPeak, heldPeak;
        try (FederatedRun r = run(mr, lazy)) {
            assertTrue(opens.stream().allMatch(List::isEmpty), "nothing is built when the package is delivered");
            List<FederatedRun.RoundStats> stats = r.run(null);
            int[] picks = new int[K];
            for (FederatedRun.RoundStats st : stats) {
                assertEquals(10, st.selected().length);
                for (int k : st.selected()) picks[k]++;
            }
            for (int k = 0; k < K; k++) {
                List<Long> expected = new ArrayList<>();
                for (int i = 0; i < picks[k]; i++) expected.add((long) i * steps); // resumed where its last round stopped
                assertEquals(expected, opens.get(k), "client " + k);
                assertEquals(picks[k], lazy.timesOpened()[k]);
                assertEquals(picks[k] * (long) steps, lazy.batchesDrawn()[k]);
            }
            assertEquals(0, lazy.liveClients(), "released after each round");
            assertEquals(1, lazy.peakLiveClients());
            lazyPeak = lazy.peakLiveBytes();
        }
        List<FedClient> all = new ArrayList<>();
        for (int k = 0; k < K; k++) all.add(new FedClient(k, new Batcher(data, p.client(k), 2, k)::next));
        InProcessTransport held = new InProcessTransport(all);
        try (FederatedRun r = run(mr, held)) {
            heldPeak = held.peakLiveBytes();
            assertEquals(K, held.peakLiveClients());
        }
        long perClient;
        try (Arena a = Arena.ofConfined()) { // one client's own state, counted independently of FedClient
            perClient = 4L * LoraSet.empty(base.config(), LORA, mr.split().adapter(), base.tokEmbeddings().backend(), a).params().flat().numel()
                    + 4L * LoraSet.empty(base.config(), LORA, mr.split().kept(), base.tokEmbeddings().backend(), a).params().flat().numel();
        }
        int maxRows = java.util.Arrays.stream(p.sizes()).max().orElseThrow();
        assertEquals(K * perClient, heldPeak);
        assertTrue(lazyPeak >= perClient && lazyPeak <= perClient + 4L * maxRows, lazyPeak + " vs " + perClient);
        assertEquals(K * perClient + 4L * data.size(), lazy.allHeldBytes()); // every row is some client's
        System.out.printf("client state, 100 clients at participation 0.1 on stories260K: lazy peak %d bytes, all held %d bytes%n",
                lazyPeak, heldPeak);
    }

    @Test
    void clientsWithNoRowsAreNeverPicked() {
        RunPlan.MethodRun mr = plan(Method.FEDOT, 3, 0, 1);
        List<ClientData> base3 = Experiment.clients(mr, data, Partitioners.iid(Partitioners.all(30), 3, 1), 2);
        List<ClientData> clients = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            ClientData c = k % 2 == 0 ? base3.get(k / 2) : null;
            int id = k;
            clients.add(c == null ? new ClientData(id, 0, skip -> fail("client " + id + " has no rows and was opened"))
                    : new ClientData(id, c.rows(), c.open()));
        }
        InProcessTransport t = InProcessTransport.lazy(clients);
        assertArrayEquals(new int[] {0, 2, 4}, t.available());
        try (FederatedRun r = run(mr, t)) {
            for (FederatedRun.RoundStats st : r.run(null)) assertArrayEquals(new int[] {0, 2, 4}, st.included());
        }
        assertThrows(IllegalStateException.class, () -> t.round(1, null));
    }
}
