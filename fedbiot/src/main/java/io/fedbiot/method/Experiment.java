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
import io.fedbiot.report.ClientSizes;
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
 * {@code rounds.csv}, {@code rounds.arrow}, {@code clients.csv}, {@code untuned.csv}, {@code report.md} with its plots, and per
 * method and seed two adapters in PEFT's layout: {@code best} (lowest validation loss, {@link BestRound}) and {@code final}. The metrics are rewritten as each round ends and
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
            CodeEval code = CodeEval.of(cfg, l::log); // HumanEval problems and the sandbox's python checked before any data or training
            var d = cfg.data();
            TokenizedDataset clientData = DatasetCache.load(d.client().path(), ds.format(), tok, ds.maxLen(), ds.badRows(),
                    d.cache(), l::log).dataset();
            l.log("client data: " + clientData);
            if (ds.format() == DataFormat.CODE) l.log("code languages: " + io.fedbiot.data.CodeLanguage.summary(clientData.column(DataFormat.LANGUAGE_DETAIL)));
            Splits.Split cs = plan.clientRows().apply(clientData.size());
            Partition train = plan.partition().apply(clientData, cs.train());
            int[][] valTest = plan.eval().validationAndTest(cs.heldOut(), cfg.seeds().get(0)); // disjoint: validation picks, test reports
            l.log("held-out rows: " + valTest[0].length + " validation, " + valTest[1].length + " test");
            if (valTest[0].length == 0)
                l.log("no validation rows (raise eval.heldout_fraction or eval.validation_fraction): no best adapter, the report's best is the final round");
            Partition held = plan.partition().apply(clientData, valTest[1]);
            TestSplit test = TestSplit.load(cfg, tok, clientData, valTest[1], plan, l::log); // before any training: a bad file fails here
            ClientSizes sizes = ClientSizes.of(train.sizes(), cfg.partition().perRound(ClientSizes.withRows(train.sizes())));
            if (train.size() <= 20) l.log("clients: " + train.labels() + " with " + Arrays.toString(train.sizes()) + " training rows");
            l.log(sizes.line());
            if (sizes.withRows() == 0)
                throw new IllegalArgumentException("no client of the " + train.size() + " in the partition of " + d.client().path() + " has a training row"
                        + (clientData.size() == 0 ? ": every row was filtered out " + clientData.badRows() : ""));
            List<String> secure = cfg.secureAggregationProblems(sizes.perRound(),
                    "the partition of " + d.client().path() + " (" + sizes.withRows() + " clients with rows)");
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
            FederatedRun.EvalData evalData = new FederatedRun.EvalData(evalClients, evalPublic,
                    ds.batches(clientData, plan.eval().first(valTest[0])));

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
                        List<ClientData> clients = clients(mr, clientData, train, ds.batchSize());
                        BatchSource publicSource = pub != null ? new Batcher(pub, pubTrain, ds.batchSize(), seed)::next : null;
                        if (method == Method.FEDBIOT && publicSource == null)
                            throw new IllegalArgumentException("FedBiOT aligns its emulator on public data: set data.public.path");
                        InProcessTransport transport = InProcessTransport.lazy(clients);
                        try (FederatedRun run = new FederatedRun(base, mr.split(), mr.settings(), transport, publicSource, evalData)) {
                            if (cfg.secureAggregation())
                                run.secureAggregation(new FederatedRun.SecureAggregation(cfg.secureAggregationThreshold(), cfg.secureAggregationPrecisionBits()));
                            if (untuned == null) {
                                untuned = test.score(run.evaluateUntuned(), "AdapFu", LlamaModel.full(base));
                                if (code != null) untuned = code.with(untuned, "AdapFu", LlamaModel.full(base), tok, out.resolve("humaneval-untuned.jsonl"), l::log);
                            }
                            Path runDir = out.resolve(mr.folder());
                            BestRound best = new BestRound(run);
                            run.run(st -> {
                                Map<String, Double> eval = new LinkedHashMap<>(st.eval());
                                boolean last = st.round() == plan.eval().lastRound();
                                if (last && code != null) eval = withCode(code, eval, run.fullModel(), tok, out.resolve("humaneval-" + runDir.getFileName() + ".jsonl"), l);
                                if (plan.eval().exactMatchAt(st.round())) {
                                    eval = test.score(eval, "AdapEmu", run.compressedModel());
                                    eval = test.score(eval, "AdapFu", run.fullModel());
                                }
                                RoundRecord r = new RoundRecord(label, seed, st.round(), st.clientLoss(),
                                        st.align() == null ? Double.NaN : st.align().nmse(), st.align() == null ? Double.NaN : st.align().kl(),
                                        eval, st.bytesDownPerClient(), st.bytesUpPerClient(), st.clientFlops(), st.alignSeconds(),
                                        st.alignFlops(), st.wallSeconds(), st.selected().length, st.included().length, st.packageBytes(),
                                        st.nanSkipped(), (st.align() == null ? 0 : st.align().nanSkipped()) + (st.round() == 0 ? run.prealignNanSkipped() : 0));
                                records.add(r);
                                for (FederatedRun.ClientStat c : st.clients())
                                    clientRecords.add(new ClientRecord(label, seed, st.round(), Integer.toString(c.client()), c.samples(),
                                            c.tokens(), c.meanLoss(), c.nanSkipped(), st.bytesDownPerClient(), st.bytesUpPerClient()));
                                try {
                                    if (best.offer(st.round(), st.eval()))
                                        PeftAdapter.save(run.adapter(), runDir.resolve(BestRound.BEST), cfg.model().toString());
                                    if (last) PeftAdapter.save(run.adapter(), runDir.resolve(BestRound.FINAL), cfg.model().toString());
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
                            // The best round's adapter gets exact match too, on the same test rows, when its round did not score it.
                            if (best.round() >= 0 && !plan.eval().exactMatchAt(best.round()) && test.scores()) {
                                int at = -1;
                                for (int i = records.size() - 1; i >= 0 && at < 0; i--)
                                    if (records.get(i).method().equals(label) && records.get(i).seed() == seed && records.get(i).round() == best.round()) at = i;
                                best.load(run);
                                Map<String, Double> eval = test.score(test.score(records.get(at).eval(), "AdapEmu", run.compressedModel()), "AdapFu", run.fullModel());
                                records.set(at, records.get(at).withEval(eval));
                                RoundCsv.write(out.resolve("rounds.csv"), records);
                                RoundArrow.write(out.resolve("rounds.arrow"), records);
                            }
                            if (best.round() >= 0) l.log(label + " seed " + seed + ": best round " + best.round() + " by AdapFu validation loss");
                            l.log("client state: at most " + transport.peakLiveClients() + " of " + clients.size() + " clients held at once, "
                                    + transport.peakLiveBytes() + " bytes of client state (all at once: " + transport.allHeldBytes() + ")");
                            if (run.emulatorLayersAfter() != null)
                                layers.computeIfAbsent(label, k -> new ArrayList<>())
                                        .add(new EmulatorLayers[]{run.emulatorLayersBefore(), run.emulatorLayersAfter()});
                        }
                    }
                } catch (RuntimeException | Error e) {
                    try {
                        status.failed(); // before the report, which reads it
                        if (!records.isEmpty())
                            MarkdownReport.write(out, new MarkdownReport.Inputs(records, clientRecords, untuned == null ? Map.of() : untuned, List.of(), env, sizes));
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
                Path report = MarkdownReport.write(out, new MarkdownReport.Inputs(records, clientRecords, untuned, groups, env, sizes));
                return new Result(records, untuned, report);
            }
        }
    }

    private static Map<String, Double> withCode(CodeEval code, Map<String, Double> eval, LlamaModel model, Tokenizer tok, Path jsonl, Listener l) {
        try {
            return code.with(eval, "AdapFu", model, tok, jsonl, l::log);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The setup of this config's runs for a model like {@code model} (the Flight server resolves the same). */
    public RunPlan plan(LlamaConfig model) {
        return RunPlan.resolve(cfg, model);
    }

    /**
     * Offsite-Tuning: one client with every client's data; the others: one client per partition.
     * Each is built when picked (InProcessTransport.lazy), its batches resumed where it stopped.
     */
    static List<ClientData> clients(RunPlan.MethodRun mr, TokenizedDataset data, Partition train, int batchSize) {
        List<ClientData> out = new ArrayList<>();
        if (mr.method() == Method.OFFSITE_TUNING) {
            int[] all = IntStream.range(0, train.size()).flatMap(k -> Arrays.stream(train.client(k))).sorted().toArray();
            out.add(new ClientData(0, all.length, skip -> batches(data, all, batchSize, mr.seed(), skip)));
        } else {
            List<Long> seeds = mr.clientSeeds(train.size());
            for (int k = 0; k < train.size(); k++) {
                int[] rows = train.client(k);
                long seed = seeds.get(k);
                out.add(new ClientData(k, rows.length, skip -> batches(data, rows, batchSize, seed, skip)));
            }
        }
        return out;
    }

    private static BatchSource batches(TokenizedDataset data, int[] rows, int batchSize, long seed, long skip) {
        Batcher b = new Batcher(data, rows, batchSize, seed);
        b.skip(skip);
        return b::next;
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
