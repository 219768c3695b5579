package io.fedbiot.method;

import io.fedbiot.data.Batch;
import io.fedbiot.data.Batcher;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.Partition;
import io.fedbiot.data.Partitioners;
import io.fedbiot.data.Splits;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.CheckpointFormat;
import io.fedbiot.engine.io.PeftAdapter;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.report.LayerTable;
import io.fedbiot.report.MarkdownReport;
import io.fedbiot.report.RoundArrow;
import io.fedbiot.report.RoundCsv;
import io.fedbiot.report.RoundRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The Java API of a whole experiment, as small as {@code bin/fedbiot run}: build it from a config
 * (object or YAML), run it with a listener, read the records; the run directory gets
 * {@code rounds.csv}, {@code rounds.arrow}, {@code report.md} with its plots, and the adapters of
 * every evaluated round in PEFT's layout.
 */
public final class Experiment {
    /** Sees every round as it ends, and one line per notable event. */
    public interface Listener {
        default void round(RoundRecord record) {}

        default void log(String line) {}
    }

    public record Result(List<RoundRecord> records, Map<String, Double> untuned, Path report) {}

    /** The metric key of the generated tasks' exact match (the GSM8K one is "gsm8k_em"). */
    public static final String EXACT_MATCH = "exact_match";

    private final ExperimentConfig cfg;
    /** Backend the model runs on; null keeps the backend the checkpoint was loaded on. */
    private io.fedbiot.kernels.Backend backend;

    public Experiment(ExperimentConfig cfg) {
        List<String> problems = cfg.problems();
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid experiment config: " + String.join("; ", problems));
        if (cfg.wholeLayerAdapter())
            throw new IllegalArgumentException("whole_layer_adapter: the ICLR whole-layer variant is not available in this "
                    + "version; set it to false (LoRA adapters, the paper's final method)");
        this.cfg = cfg;
    }

    public static Experiment fromYaml(Path yaml, List<String> sets) throws IOException {
        return new Experiment(ExperimentConfig.load(yaml, sets));
    }

    public ExperimentConfig config() {
        return cfg;
    }

    /** Runs the model on {@code be} (e.g. Backends.byName("native")); returns this. */
    public Experiment onBackend(io.fedbiot.kernels.Backend be) {
        this.backend = be;
        return this;
    }

    public Result run(Listener listener) throws IOException {
        Listener l = listener != null ? listener : new Listener() {};
        long seed0 = cfg.seeds().get(0);
        try (Checkpoint ck = Checkpoint.load(cfg.model()); java.lang.foreign.Arena onBe = java.lang.foreign.Arena.ofShared()) {
            LlamaWeights base = backend == null ? ck.weights() : ck.weights().on(backend, onBe);
            Tokenizer tok = tokenizer(ck);
            var d = cfg.data();
            TokenizedDataset clientData = DatasetCache.load(d.client().path(), d.client().format(), tok, d.maxLen(), d.badRows(),
                    d.cache(), l::log).dataset();
            l.log("client data: " + clientData);
            Splits.Split cs = Splits.split(clientData.size(), 1 - cfg.eval().heldoutFraction(), seed0);
            Partition train = partition(clientData, cs.train(), seed0);
            Partition held = partition(clientData, cs.heldOut(), seed0);
            l.log("clients: " + train.labels() + " with " + Arrays.toString(train.sizes()) + " training rows");

            TokenizedDataset pub = null;
            int[] pubTrain = null, pubHeld = new int[0];
            if (d.publicSet() != null && d.publicSet().path() != null) {
                pub = DatasetCache.load(d.publicSet().path(), d.publicSet().format(), tok, d.maxLen(), d.badRows(), d.cache(), l::log).dataset();
                Splits.Split ps = Splits.split(pub.size(), 0.8, seed0); // ALGORITHM.md §8: 80% for alignment
                pubTrain = ps.train();
                pubHeld = ps.heldOut();
            }

            List<List<Batch>> evalClients = new ArrayList<>();
            int perClient = cfg.eval().maxRows() == 0 ? Integer.MAX_VALUE : Math.max(1, cfg.eval().maxRows() / Math.max(1, held.size()));
            for (int k = 0; k < held.size(); k++) evalClients.add(batches(clientData, limit(held.client(k), perClient)));
            List<Batch> evalPublic = pub == null ? List.of() : batches(pub, limit(pubHeld, cfg.eval().maxRows()));
            FederatedRun.EvalData evalData = new FederatedRun.EvalData(evalClients, evalPublic);

            List<RoundRecord> records = new ArrayList<>();
            Map<Method, List<EmulatorLayers[]>> layers = new LinkedHashMap<>(); // per method: {before, after} per seed
            Map<String, Double> untuned = null;
            Path out = cfg.output();
            Files.createDirectories(out);
            for (Method method : cfg.methods())
                for (long seed : cfg.seeds()) {
                    Split split = Split.of(method, base.config().nLayers(), cfg.adapter(), cfg.beta());
                    l.log(split.toString() + ", seed " + seed);
                    List<FedClient> clients = clients(method, clientData, train, seed);
                    BatchSource publicSource = pub != null ? new Batcher(pub, pubTrain, cfg.batchSize(), seed)::next : null;
                    if (method == Method.FEDBIOT && publicSource == null)
                        throw new IllegalArgumentException("FedBiOT aligns its emulator on public data: set data.public.path");
                    try (FederatedRun run = new FederatedRun(base, split, settings(method, seed), new InProcessTransport(clients),
                            publicSource, evalData)) {
                        if (untuned == null) untuned = withGsm8k(run.evaluateUntuned(), "AdapFu", LlamaModel.full(base), tok, clientData, cs.heldOut());
                        Path runDir = out.resolve(method.name().toLowerCase() + "-seed" + seed);
                        run.run(st -> {
                            Map<String, Double> eval = new LinkedHashMap<>(st.eval());
                            boolean last = st.round() == cfg.rounds() - 1;
                            if (last) {
                                eval = withGsm8k(eval, "AdapEmu", run.compressedModel(), tok, clientData, cs.heldOut());
                                eval = withGsm8k(eval, "AdapFu", run.fullModel(), tok, clientData, cs.heldOut());
                            }
                            RoundRecord r = new RoundRecord(method.label(), seed, st.round(), st.clientLoss(),
                                    st.align() == null ? Double.NaN : st.align().nmse(), st.align() == null ? Double.NaN : st.align().kl(),
                                    eval, st.bytesDownPerClient(), st.bytesUpPerClient(), st.clientFlops(), st.alignSeconds(),
                                    st.alignFlops(), st.wallSeconds());
                            records.add(r);
                            l.round(r);
                            if (!st.eval().isEmpty()) {
                                try {
                                    PeftAdapter.save(run.adapter(), runDir.resolve("round-" + st.round()), cfg.model().toString());
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }
                        });
                        if (run.emulatorLayersAfter() != null)
                            layers.computeIfAbsent(method, k -> new ArrayList<>())
                                    .add(new EmulatorLayers[]{run.emulatorLayersBefore(), run.emulatorLayersAfter()});
                    }
                }
            RoundCsv.write(out.resolve("rounds.csv"), records);
            RoundArrow.write(out.resolve("rounds.arrow"), records);
            if (untuned != null) // the baseline row for tables built across runs (docs/RESULTS.md); round -1: before training
                RoundCsv.write(out.resolve("untuned.csv"), List.of(new RoundRecord("untuned", seed0, -1, Double.NaN, Double.NaN,
                        Double.NaN, untuned, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN)));
            List<LayerTable.Group> groups = new ArrayList<>();
            layers.forEach((m, ba) -> groups.add(EmulatorLayers.group(m.label(), ba.stream().map(x -> x[0]).toList(),
                    ba.stream().map(x -> x[1]).toList())));
            Path report = MarkdownReport.write(out, records, untuned, groups);
            return new Result(records, untuned, report);
        }
    }

    private Map<String, Double> withGsm8k(Map<String, Double> eval, String variant, LlamaModel model, Tokenizer tok,
                                          TokenizedDataset data, int[] heldOut) {
        DataFormat format = cfg.data().client().format();
        if (!cfg.eval().gsm8kExactMatch() || format != DataFormat.GSM8K && format != DataFormat.TASKS) return eval;
        Map<String, Double> m = new LinkedHashMap<>(eval);
        int[] rows = limit(heldOut, cfg.eval().maxRows() == 0 ? heldOut.length : cfg.eval().maxRows());
        int n = cfg.eval().maxNewTokens();
        if (format == DataFormat.GSM8K) m.put(variant + "/gsm8k_em", Gsm8kEval.exactMatch(model, tok, data, rows, n));
        else m.put(variant + "/" + EXACT_MATCH, Gsm8kEval.taskExactMatch(model, tok, data, rows, n));
        return m;
    }

    /** The run settings this config gives for one method and seed (the Flight server uses the same). */
    public FederatedRun.Settings settings(Method method, long seed) {
        var lc = cfg.lora();
        EnumSet<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (String t : lc.targets()) targets.add(LoraTarget.parse(t));
        LoraConfig lora = new LoraConfig(lc.rank(), (float) lc.alpha(), (float) lc.dropout(), targets);
        float b1 = cfg.betas().get(0).floatValue(), b2 = cfg.betas().get(1).floatValue();
        var client = new ClientTrainer.Settings(cfg.localSteps(), (float) cfg.lrClient(), b1, b2, (float) cfg.weightDecay(), (float) cfg.epsilon());
        var align = new Alignment.Settings(cfg.alignSteps(), (float) cfg.lrAlign(), b1, b2, (float) cfg.weightDecay(), (float) cfg.lambda(),
                cfg.layerwiseNmse(), cfg.maskPaddingInAlignment());
        Integer sample = cfg.partition().sample();
        return new FederatedRun.Settings(method, lora, cfg.rounds(), sample == null ? 0 : sample, client, align,
                method == Method.FEDBIOT ? cfg.prealignRounds() : 0, cfg.evalEvery(), seed);
    }

    /** Offsite-Tuning: one client with every client's data; the others: one client per partition. */
    private List<FedClient> clients(Method method, TokenizedDataset data, Partition train, long seed) {
        List<FedClient> out = new ArrayList<>();
        if (method == Method.OFFSITE_TUNING) {
            int[] all = IntStream.range(0, train.size()).flatMap(k -> Arrays.stream(train.client(k))).sorted().toArray();
            out.add(new FedClient(0, new Batcher(data, all, cfg.batchSize(), seed)::next));
        } else {
            for (int k = 0; k < train.size(); k++)
                out.add(new FedClient(k, new Batcher(data, train.client(k), cfg.batchSize(), seed * 1_000_003L + k)::next));
        }
        return out;
    }

    private Partition partition(TokenizedDataset data, int[] rows, long seed) {
        var by = cfg.partition().by();
        return switch (by) {
            case ExperimentConfig.PartitionScheme.Iid i -> Partitioners.iid(rows, cfg.partition().clientCount(0), seed);
            case ExperimentConfig.PartitionScheme.ByField f -> Partitioners.byField(data.column(f.field()), rows);
            case ExperimentConfig.PartitionScheme.Dirichlet dd ->
                    Partitioners.dirichlet(data.column(dd.field()), rows, cfg.partition().clientCount(0), dd.alpha(), seed);
        };
    }

    private List<Batch> batches(TokenizedDataset data, int[] rows) {
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < rows.length; i += cfg.batchSize())
            out.add(Batch.of(data, Arrays.copyOfRange(rows, i, Math.min(rows.length, i + cfg.batchSize()))));
        return out;
    }

    private static int[] limit(int[] rows, int n) {
        return rows.length <= n ? rows : Arrays.copyOf(rows, n);
    }

    /** The config's tokenizer, or the one inside or beside the checkpoint. */
    public Tokenizer tokenizer(Checkpoint ck) throws IOException {
        return tokenizer(ck, cfg.model(), cfg.tokenizer(), "set tokenizer in the config");
    }

    /** {@code explicit} when given; else a GGUF's own, or tokenizer.json/.model/.bin beside an HF model; else an error with {@code hint}. */
    public static Tokenizer tokenizer(Checkpoint ck, Path model, Path explicit, String hint) throws IOException {
        if (explicit != null) return Tokenizers.load(explicit);
        if (ck.format() == CheckpointFormat.GGUF) return Tokenizers.load(model);
        if (ck.format() == CheckpointFormat.HF_SAFETENSORS)
            for (String f : new String[]{"tokenizer.json", "tokenizer.model", "tokenizer.bin"})
                if (Files.isRegularFile(model.resolve(f))) return Tokenizers.load(model.resolve(f));
        throw new IOException("no tokenizer for " + model + ": " + hint);
    }
}
