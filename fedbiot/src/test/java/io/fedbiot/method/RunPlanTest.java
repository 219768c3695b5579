package io.fedbiot.method;

import io.fedbiot.data.Partition;
import io.fedbiot.data.Splits;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.flight.FederationServer;
import io.fedbiot.flight.ServerOptions;
import io.fedbiot.flight.TokenTable;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** The in-process and the Flight runtime resolve one plan from one config; the plan follows the config and nothing else. */
class RunPlanTest {
    private static final LlamaConfig MODEL = new LlamaConfig(64, 172, 6, 8, 4, 512, 512, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
    private static final String YAML = """
            model: m.bin
            data:
              client: {path: c.jsonl}
              public: {path: p.json}
            methods: [fedbiot, fedot, offsite-tuning, fedlora]
            partition: {by: iid, clients: 4, sample: 2}
            seeds: [11, 5]
            rounds: 7
            eval_every: 3
            epsilon: 0.01
            weight_decay: 0.02
            """;

    @TempDir
    Path tmp;

    private ExperimentConfig cfg(String... sets) throws IOException {
        Path f = Files.writeString(tmp.resolve("run.yaml"), YAML);
        return ExperimentConfig.load(f, List.of(sets));
    }

    private RunPlan inProcess(ExperimentConfig c) {
        return new Experiment(c).plan(MODEL);
    }

    private RunPlan flight(ExperimentConfig c) throws IOException {
        TokenTable tokens = TokenTable.load(Files.writeString(tmp.resolve("tokens.txt"), "a aaaaaaaaaaaaaaaaaaaa\nb bbbbbbbbbbbbbbbbbbbb\n"));
        return new FederationServer(c, tokens, ServerOptions.loopback(1, Duration.ofSeconds(1)), tmp.resolve("state"), true, s -> {})
                .plan(MODEL);
    }

    private static List<Integer> list(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }

    /** Everything the rules make of n rows, as lists: cuts, partition, per-client seeds of every run. */
    private static List<Object> applied(RunPlan p, int n) {
        List<Object> out = new ArrayList<>();
        for (Splits.Split s : List.of(p.clientRows().apply(n), p.publicRows().apply(n))) {
            out.add(list(s.train()));
            out.add(list(s.heldOut()));
        }
        Partition part = p.partition().apply(null, p.clientRows().apply(n).train()); // iid reads no column
        for (int k = 0; k < part.size(); k++) out.add(list(part.client(k)));
        for (RunPlan.MethodRun r : p.runs()) {
            out.add(r.clientSeeds(part.size()));
            out.add(list(r.split().adapter()));
            out.add(list(r.split().kept()));
        }
        return out;
    }

    @Test
    void bothRuntimesResolveTheSamePlan() throws IOException {
        ExperimentConfig c = cfg();
        RunPlan a = inProcess(c), b = flight(c);
        assertEquals(a, b);
        assertEquals(applied(a, 97), applied(b, 97));
        // What the Flight server serves is the in-process first run.
        assertEquals(a.runs().get(0), b.runs().get(0));
        assertEquals(Method.FEDBIOT, b.runs().get(0).method());
        assertEquals(11, b.runs().get(0).seed());
    }

    @Test
    void planKeepsTheFractionsSeedsAndOrder() throws IOException {
        RunPlan p = inProcess(cfg());
        assertEquals(8, p.runs().size(), "4 methods x 2 seeds");
        assertEquals(List.of(11L, 5L, 11L, 5L), p.runs().stream().limit(4).map(RunPlan.MethodRun::seed).toList());
        assertEquals(List.of(Method.FEDBIOT, Method.FEDBIOT, Method.FEDOT), p.runs().stream().limit(3).map(RunPlan.MethodRun::method).toList());
        // The data's cuts and partition follow the first seed, whatever the run's.
        Splits.Split pub = Splits.split(50, 0.8, 11), cli = Splits.split(50, 1 - 0.1, 11);
        assertEquals(list(pub.train()), list(p.publicRows().apply(50).train()));
        assertEquals(list(cli.heldOut()), list(p.clientRows().apply(50).heldOut()));
        assertEquals(new RunPlan.PartitionRule(new ExperimentConfig.PartitionScheme.Iid(), 4, 11), p.partition());
        RunPlan.MethodRun fedot = p.runs().get(3);
        assertEquals(Split.of(Method.FEDOT, 6, 2, 0.2), fedot.split());
        assertEquals(new FederatedRun.Settings(Method.FEDOT, p.lora(), 7, 2, p.client(), p.align(), 0, 3, 5), fedot.settings());
        assertEquals(50, p.runs().get(0).settings().prealign(), "prealignment is FedBiOT's only");
        assertEquals(new ClientTrainer.Settings(30, (float) 1e-4, 0.9f, 0.95f, 0.02f, 0.01f), p.client());
        assertEquals(new RunPlan.EvalPlan(3, 6, 200, true, 256, 0.5, 0, 0), p.eval());
    }

    @Test
    void clientSeedIsTheFormula() throws IOException {
        long[] seeds = {0, 1, 11, -7, Long.MAX_VALUE / 3, Long.MIN_VALUE + 5};
        for (long s : seeds)
            for (int k : new int[]{0, 1, 2, 999})
                assertEquals(BigInteger.valueOf(s).multiply(BigInteger.valueOf(1000003)).add(BigInteger.valueOf(k)).longValue(),
                        RunPlan.clientSeed(s, k), s + ", " + k);
        RunPlan.MethodRun r = inProcess(cfg()).runs().get(1);
        assertEquals(IntStream.range(0, 3).mapToObj(k -> 5L * 1000003L + k).toList(), r.clientSeeds(3));
    }

    @Test
    void changingTheConfigChangesThePlan() throws IOException {
        RunPlan base = inProcess(cfg());
        RunPlan seed = inProcess(cfg("seeds=[12, 5]"));
        assertNotEquals(base, seed);
        assertNotEquals(applied(base, 97), applied(seed, 97), "cuts, partition and client seeds follow the first seed");
        RunPlan held = inProcess(cfg("eval.heldout_fraction=0.3"));
        assertNotEquals(base.clientRows(), held.clientRows());
        assertEquals(base.publicRows(), held.publicRows());
        assertNotEquals(base.clientRows().apply(97).train().length, held.clientRows().apply(97).train().length);
        RunPlan every = inProcess(cfg("eval_every=2"));
        assertNotEquals(base.eval(), every.eval());
        assertEquals(2, every.runs().get(0).settings().evalEvery());
        assertNotEquals(base.runs().get(0).split(), inProcess(cfg("beta=0.5")).runs().get(0).split());
        assertNotEquals(base.client(), inProcess(cfg("lr_client=0.5")).client());
        assertNotEquals(base.partition(), inProcess(cfg("partition.clients=5")).partition());
    }

    @Test
    void planIsDeterministic() throws IOException {
        RunPlan a = inProcess(cfg()), b = inProcess(cfg());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(applied(a, 64), applied(b, 64));
        assertEquals(applied(a, 64), applied(a, 64));
    }

    @Test
    void lengthsAboveTheModelsContextAreRefusedInBothRuntimesNamingBothNumbers() throws IOException {
        for (String[] sets : new String[][]{{"data.max_len=513"}, {"data.max_len=600"}}) {
            ExperimentConfig c = cfg(sets);
            for (Exception e : List.of(assertThrows(ExperimentConfigException.class, () -> inProcess(c)),
                    assertThrows(ExperimentConfigException.class, () -> flight(c)))) {
                ExperimentConfigException x = (ExperimentConfigException) e;
                assertEquals(sets.length, x.problems().size(), x.problems().toString());
                for (String set : sets) {
                    String key = set.substring(0, set.indexOf('=')), value = set.substring(set.indexOf('=') + 1);
                    assertTrue(x.problems().stream().anyMatch(p -> p.startsWith(key + ": " + value + " is above the model's context length 512")),
                            x.problems().toString());
                }
            }
        }
        assertEquals(512, inProcess(cfg("data.max_len=512")).data().maxLen(), "the context itself is allowed");
    }
}
