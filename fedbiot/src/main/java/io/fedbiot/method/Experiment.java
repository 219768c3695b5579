package io.fedbiot.method;

import io.fedbiot.data.Batch;
import io.fedbiot.data.Batcher;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.Partition;
import io.fedbiot.data.Splits;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.CheckpointFormat;
import io.fedbiot.engine.io.PeftAdapter;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.report.ClientCsv;
import io.fedbiot.report.ClientRecord;
import io.fedbiot.report.LayerTable;
import io.fedbiot.report.MarkdownReport;
import io.fedbiot.report.RoundArrow;
import io.fedbiot.report.RoundCsv;
import io.fedbiot.report.RoundRecord;
import io.fedbiot.report.RunEnvironment;
import io.fedbiot.report.RunFolder;
import io.fedbiot.report.StatusFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The Java API of a whole experiment, as small as {@code bin/fedbiot run}: build it from a config
 * (object or YAML), run it with a listener, read the records; the run directory gets
 * {@code rounds.csv}, {@code rounds.arrow}, {@code clients.csv}, {@code untuned.csv}, {@code report.md} with its plots, and the adapters of
 * every evaluated round in PEFT's layout. The metrics are rewritten as each round ends and
 * {@code status.json} says running/finished/failed/interrupted; a previous run's files in the folder
 * move to {@code previous-<time>/} at the start (see {@link RunFolder}).
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
    /** Backend the model runs on, asked for once the inputs are read; null keeps the checkpoint's backend. */
    private Supplier<io.fedbiot.kernels.Backend> backend;

    public Experiment(ExperimentConfig cfg) {
        List<String> problems = cfg.problems();
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid experiment config: " + String.join("; ", problems));
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
        return onBackend(() -> be);
    }

    /**
     * Runs the model on the backend {@code be} gives, asked for only after the checkpoint, tokenizer and
     * datasets are read and checked: a damaged input is reported before any "[backend] auto selected" line.
     */
    public Experiment onBackend(Supplier<io.fedbiot.kernels.Backend> be) {
        this.backend = be;
        return this;
    }

    public Result run(Listener listener) throws IOException {
        Listener l = listener != null ? listener : new Listener() {};
        try (Checkpoint ck = Checkpoint.load(cfg.model()); java.lang.foreign.Arena onBe = java.lang.foreign.Arena.ofShared()) {
            RunPlan plan = plan(ck.weights().config());
            RunPlan.DataSettings ds = plan.data();
            Tokenizer tok = tokenizer(ck);
            var d = cfg.data();
            TokenizedDataset clientData = DatasetCache.load(d.client().path(), ds.format(), tok, ds.maxLen(), ds.badRows(),
                    d.cache(), l::log).dataset();
            l.log("client data: " + clientData);
            Splits.Split cs = plan.clientRows().apply(clientData.size());
            Partition train = plan.partition().apply(clientData, cs.train());
            Partition held = plan.partition().apply(clientData, cs.heldOut());
            l.log("clients: " + train.labels() + " with " + Arrays.toString(train.sizes()) + " training rows");
            Integer sample = cfg.partition().sample();
            List<String> secure = cfg.secureAggregationProblems(sample == null ? train.size() : Math.min(sample, train.size()),
                    "the partition of " + d.client().path() + " (" + train.size() + " clients)");
            if (!secure.isEmpty()) throw new ExperimentConfigException(String.valueOf(d.client().path()), secure); // before any training

            TokenizedDataset pub = null;
            int[] pubTrain = null, pubHeld = new int[0];
            if (d.publicSet() != null && d.publicSet().path() != null) {
                pub = DatasetCache.load(d.publicSet().path(), d.publicSet().format(), tok, ds.maxLen(), ds.badRows(), d.cache(), l::log).dataset();
                Splits.Split ps = plan.publicRows().apply(pub.size());
                pubTrain = ps.train();
                pubHeld = ps.heldOut();
            }

            LlamaWeights base = backend == null ? ck.weights() : ck.weights().on(backend.get(), onBe);
            List<List<Batch>> evalClients = new ArrayList<>();
            for (int k = 0; k < held.size(); k++) evalClients.add(ds.batches(clientData, plan.eval().perClient(held.client(k), held.size())));
            // In-process, max_rows 0 has always meant no public evaluation (the Flight server takes all): kept as it was.
            List<Batch> evalPublic = pub == null || plan.eval().maxRows() == 0 ? List.of() : ds.batches(pub, plan.eval().first(pubHeld));
            int[] exactRows = plan.eval().exactMatchRows(cs.heldOut());
            FederatedRun.EvalData evalData = new FederatedRun.EvalData(evalClients, evalPublic);

            List<RoundRecord> records = new ArrayList<>();
            List<ClientRecord> clientRecords = new ArrayList<>();
            RunEnvironment env = EnvironmentProbe.of(cfg, base.tokEmbeddings().backend());
            Map<String, List<EmulatorLayers[]>> layers = new LinkedHashMap<>(); // per method label: {before, after} per seed
            Map<String, Double> untuned = null;
            Path out = cfg.output();
            Path aside = RunFolder.start(out);
            if (aside != null) l.log("moved the previous run's files in " + out + " to " + aside.getFileName());
            try (StatusFile status = StatusFile.start(out)) { // running, then finished, failed or interrupted
                try {
                    for (RunPlan.MethodRun mr : plan.runs()) {
                        Method method = mr.method();
                        String label = mr.label();
                        long seed = mr.seed();
                        l.log(mr.split().toString() + ", seed " + seed);
                        List<FedClient> clients = clients(mr, clientData, train, ds.batchSize());
                        BatchSource publicSource = pub != null ? new Batcher(pub, pubTrain, ds.batchSize(), seed)::next : null;
                        if (method == Method.FEDBIOT && publicSource == null)
                            throw new IllegalArgumentException("FedBiOT aligns its emulator on public data: set data.public.path");
                        try (FederatedRun run = new FederatedRun(base, mr.split(), mr.settings(), new InProcessTransport(clients),
                                publicSource, evalData)) {
                            if (cfg.secureAggregation())
                                run.secureAggregation(new FederatedRun.SecureAggregation(cfg.secureAggregationThreshold(), cfg.secureAggregationPrecisionBits()));
                            if (untuned == null) untuned = withGsm8k(run.evaluateUntuned(), "AdapFu", LlamaModel.full(base), tok, clientData, exactRows, plan);
                            Path runDir = out.resolve(mr.folder());
                            run.run(st -> {
                                Map<String, Double> eval = new LinkedHashMap<>(st.eval());
                                if (plan.eval().exactMatchAt(st.round())) {
                                    eval = withGsm8k(eval, "AdapEmu", run.compressedModel(), tok, clientData, exactRows, plan);
                                    eval = withGsm8k(eval, "AdapFu", run.fullModel(), tok, clientData, exactRows, plan);
                                }
                                RoundRecord r = new RoundRecord(label, seed, st.round(), st.clientLoss(),
                                        st.align() == null ? Double.NaN : st.align().nmse(), st.align() == null ? Double.NaN : st.align().kl(),
                                        eval, st.bytesDownPerClient(), st.bytesUpPerClient(), st.clientFlops(), st.alignSeconds(),
                                        st.alignFlops(), st.wallSeconds(), st.selected().length, st.included().length, st.packageBytes());
                                records.add(r);
                                for (FederatedRun.ClientStat c : st.clients())
                                    clientRecords.add(new ClientRecord(label, seed, st.round(), Integer.toString(c.client()), c.samples(),
                                            c.tokens(), c.meanLoss(), c.nanSkipped(), st.bytesDownPerClient(), st.bytesUpPerClient()));
                                try {
                                    if (!st.eval().isEmpty())
                                        PeftAdapter.save(run.adapter(), runDir.resolve("round-" + st.round()), cfg.model().toString());
                                    // Rewritten (atomically) as each round ends: a killed run keeps every finished round.
                                    RoundCsv.write(out.resolve("rounds.csv"), records);
                                    RoundArrow.write(out.resolve("rounds.arrow"), records);
                                    ClientCsv.write(out.resolve("clients.csv"), clientRecords);
                                    status.round(label, st.round());
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                                l.round(r);
                            });
                            if (run.emulatorLayersAfter() != null)
                                layers.computeIfAbsent(label, k -> new ArrayList<>())
                                        .add(new EmulatorLayers[]{run.emulatorLayersBefore(), run.emulatorLayersAfter()});
                        }
                    }
                } catch (RuntimeException | Error e) {
                    try {
                        status.failed(); // before the report, which reads it
                        if (!records.isEmpty())
                            MarkdownReport.write(out, new MarkdownReport.Inputs(records, clientRecords, untuned == null ? Map.of() : untuned, List.of(), env));
                    } catch (IOException | RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
                // rounds.csv and rounds.arrow are complete: the last round wrote them.
                if (untuned != null) // the baseline row for tables built across runs (docs/RESULTS.md); round -1: before training
                    RoundCsv.write(out.resolve("untuned.csv"), List.of(new RoundRecord("untuned", cfg.seeds().get(0), -1, Double.NaN, Double.NaN,
                            Double.NaN, untuned, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0)));
                List<LayerTable.Group> groups = new ArrayList<>();
                layers.forEach((m, ba) -> groups.add(EmulatorLayers.group(m, ba.stream().map(x -> x[0]).toList(),
                        ba.stream().map(x -> x[1]).toList())));
                status.finished();
                Path report = MarkdownReport.write(out, new MarkdownReport.Inputs(records, clientRecords, untuned, groups, env));
                return new Result(records, untuned, report);
            }
        }
    }

    private static Map<String, Double> withGsm8k(Map<String, Double> eval, String variant, LlamaModel model, Tokenizer tok,
                                                 TokenizedDataset data, int[] rows, RunPlan plan) {
        DataFormat format = plan.data().format();
        if (!plan.eval().exactMatch() || format != DataFormat.GSM8K && format != DataFormat.TASKS) return eval;
        Map<String, Double> m = new LinkedHashMap<>(eval);
        int n = plan.eval().maxNewTokens();
        if (format == DataFormat.GSM8K) m.put(variant + "/gsm8k_em", Gsm8kEval.exactMatch(model, tok, data, rows, n));
        else m.put(variant + "/" + EXACT_MATCH, Gsm8kEval.taskExactMatch(model, tok, data, rows, n));
        return m;
    }

    /** The setup of this config's runs for a model like {@code model} (the Flight server resolves the same). */
    public RunPlan plan(LlamaConfig model) {
        return RunPlan.resolve(cfg, model);
    }

    /** Offsite-Tuning: one client with every client's data; the others: one client per partition. */
    private static List<FedClient> clients(RunPlan.MethodRun mr, TokenizedDataset data, Partition train, int batchSize) {
        List<FedClient> out = new ArrayList<>();
        if (mr.method() == Method.OFFSITE_TUNING) {
            int[] all = IntStream.range(0, train.size()).flatMap(k -> Arrays.stream(train.client(k))).sorted().toArray();
            out.add(new FedClient(0, new Batcher(data, all, batchSize, mr.seed())::next));
        } else {
            List<Long> seeds = mr.clientSeeds(train.size());
            for (int k = 0; k < train.size(); k++)
                out.add(new FedClient(k, new Batcher(data, train.client(k), batchSize, seeds.get(k))::next));
        }
        return out;
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
