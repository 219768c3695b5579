package io.fedbiot.flight;

import io.fedbiot.data.Batch;
import io.fedbiot.data.Batcher;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.Splits;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.PeftAdapter;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.method.BatchSource;
import io.fedbiot.method.EnvironmentProbe;
import io.fedbiot.method.Experiment;
import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.method.ExperimentConfigException;
import io.fedbiot.method.FederatedRun;
import io.fedbiot.method.Method;
import io.fedbiot.method.RunPlan;
import io.fedbiot.report.ClientCsv;
import io.fedbiot.report.ClientRecord;
import io.fedbiot.report.MarkdownReport;
import io.fedbiot.report.Progress;
import io.fedbiot.report.RoundArrow;
import io.fedbiot.report.RoundCsv;
import io.fedbiot.report.RoundRecord;
import io.fedbiot.report.RunFolder;
import io.fedbiot.report.StatusFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The model owner's process: the config's first method and seed, the rounds of
 * {@link FederatedRun} (the same loop as in-process) over a {@link FlightTransport}, and the
 * durable state written after every round; started on a state folder that has one, it resumes
 * after the last completed round. The clients' data lives with the clients; the server evaluates
 * on its public held-out split only.
 */
public final class FederationServer {
    public record Result(int resumedAt, List<FederatedRun.RoundStats> rounds, float[] adapter) {}

    private final ExperimentConfig cfg;
    private final TokenTable tokens;
    private final ServerOptions opts;
    private final Path stateDir;
    private final boolean quiet;
    private final Consumer<String> log;

    public FederationServer(ExperimentConfig cfg, TokenTable tokens, ServerOptions opts, Path stateDir, boolean quiet, Consumer<String> log) {
        this.cfg = cfg;
        this.tokens = tokens;
        this.opts = opts;
        this.stateDir = stateDir;
        this.quiet = quiet;
        this.log = log;
    }

    public Result run() throws IOException {
        refuseSecureAggregation(cfg, tokens.size(), "the config");
        Experiment exp = new Experiment(cfg); // checks the config; its tokenizer lookup
        // Before any work: a resume must use the config the state was started with.
        if (Files.isRegularFile(stateDir.resolve(ServerState.FILE))) StartConfig.checkSame(stateDir, cfg);
        else StartConfig.save(stateDir, cfg);
        if (Files.isDirectory(stateDir)) RunFolder.deleteTemporaries(stateDir); // a killed server's half-written files
        ServerState state = ServerState.load(stateDir); // a damaged file fails here, before the model loads
        Files.createDirectories(stateDir);
        try (StatusFile status = StatusFile.start(stateDir)) { // running, then finished, failed or interrupted
            Result r = serve(exp, state, status);
            status.finished();
            return r;
        }
    }

    /**
     * secure_aggregation with what cannot work on {@code clients} token-table clients (fewer than 2
     * per round, a threshold above the clients per round): refused before any work
     * (an ExperimentConfigException, exit 2).
     */
    public static void refuseSecureAggregation(ExperimentConfig cfg, int clients, String source) {
        if (!cfg.secureAggregation()) return;
        int perRound = cfg.partition().perRound(clients);
        List<String> p = cfg.secureAggregationProblems(perRound, "the token table (" + clients + " clients)");
        if (!p.isEmpty()) throw new ExperimentConfigException(source, p);
    }

    private Result serve(Experiment exp, ServerState state, StatusFile status) throws IOException {
        try (Checkpoint ck = Checkpoint.load(cfg.model())) {
            LlamaWeights base = ck.weights();
            RunPlan plan = plan(base.config());
            RunPlan.MethodRun mr = plan.runs().get(0);
            Method method = mr.method();
            long seed = mr.seed();
            if (plan.runs().size() > 1) log.accept("serving the first method and seed only: " + method.label() + ", seed " + seed);
            log.accept(mr.split().toString());
            var d = cfg.data();
            List<Batch> heldOut = new ArrayList<>();
            ReplayableSource pub = null;
            if (d.publicSet() != null && d.publicSet().path() != null) {
                TokenizedDataset ds = DatasetCache.load(d.publicSet().path(), d.publicSet().format(), exp.tokenizer(ck), plan.data().maxLen(),
                        plan.data().badRows(), d.cache(), log).dataset();
                Splits.Split ps = plan.publicRows().apply(ds.size());
                pub = new ReplayableSource(new Batcher(ds, ps.train(), plan.data().batchSize(), seed)::next);
                heldOut.addAll(plan.data().batches(ds, plan.eval().first(ps.heldOut())));
            }
            if (method == Method.FEDBIOT && pub == null)
                throw new IllegalArgumentException("FedBiOT aligns its emulator on public data: set data.public.path");
            String runId = method.label() + " seed " + seed + ", " + tokens.size() + " clients, " + cfg.model().getFileName();
            int rounds = mr.settings().rounds();
            try (FlightTransport transport = new FlightTransport(tokens, opts, plan.data(), seed, log);
                 FederatedRun run = new FederatedRun(base, mr.split(), mr.settings(), transport, pub,
                         new FederatedRun.EvalData(List.of(), heldOut))) {
                if (cfg.secureAggregation())
                    run.secureAggregation(new FederatedRun.SecureAggregation(cfg.secureAggregationThreshold(), cfg.secureAggregationPrecisionBits()));
                List<Map<String, Object>> metrics = new ArrayList<>();
                Map<String, Double> untuned = null;
                int start = 0;
                if (state != null) {
                    if (!runId.equals(state.run()))
                        throw new IllegalArgumentException(stateDir.resolve(ServerState.FILE) + " is for '" + state.run()
                                + "', this config is '" + runId + "': use another --state folder");
                    FederatedRun.Snapshot fresh = run.snapshot();
                    state.checkSizes(stateDir, fresh.adapter().length, fresh.emulator() == null ? -1 : fresh.emulator().length);
                    run.restore(new FederatedRun.Snapshot(state.adapterValues(), state.emulatorValues(), state.samplerDraws()));
                    if (pub != null) pub.skip(state.publicBatches());
                    transport.restoreCursors(state.clientCursors());
                    metrics.addAll(state.metrics());
                    start = state.nextRound();
                    Path u = stateDir.resolve("untuned.csv");
                    if (Files.isRegularFile(u)) untuned = RoundCsv.read(u).getFirst().eval();
                    log.accept("resuming after round " + (start - 1) + " from " + stateDir.resolve(ServerState.FILE));
                } else {
                    untuned = untuned(run, seed);
                    log.accept("pre-aligning the emulator");
                    run.prealign();
                }
                List<FederatedRun.RoundStats> done = new ArrayList<>();
                try (Progress bar = Progress.start("rounds", rounds - start, quiet)) {
                    for (int t = start; t < rounds; t++) {
                        FederatedRun.RoundStats st = run.round(t);
                        done.add(st);
                        metrics.add(metrics(st));
                        FederatedRun.Snapshot snap = run.snapshot();
                        ServerState.of(runId, t + 1, snap.adapter(), snap.emulator(), snap.samplerDraws(),
                                pub == null ? 0 : pub.drawn(), transport.cursors(), metrics).save(stateDir);
                        List<RoundRecord> records = metrics.stream().map(m -> record(method.label(), seed, m)).toList();
                        RoundCsv.write(stateDir.resolve("rounds.csv"), records);
                        RoundArrow.write(stateDir.resolve("rounds.arrow"), records);
                        ClientCsv.write(stateDir.resolve("clients.csv"), clientRecords(method.label(), seed, metrics));
                        String line = "round " + t + " done: " + st.included().length + " updates, client loss "
                                + String.format("%.4f", st.clientLoss()) + ", state saved";
                        bar.above(() -> log.accept(line)); // on a terminal: above the progress line
                        status.round(method.label(), t);
                        bar.step();
                    }
                }
                PeftAdapter.save(run.adapter(), stateDir.resolve("adapter"), cfg.model().toString());
                if (untuned == null) untuned = untuned(run, seed); // a state from before untuned.csv was written
                List<RoundRecord> all = metrics.stream().map(m -> record(method.label(), seed, m)).toList();
                MarkdownReport.write(stateDir, new MarkdownReport.Inputs(all, clientRecords(method.label(), seed, metrics), untuned,
                        List.of(), EnvironmentProbe.of(cfg, base.tokEmbeddings().backend())));
                transport.finish(Duration.ofSeconds(10));
                return new Result(start, done, run.adapter().params().flat().toFloatArray());
            }
        }
    }

    /** The setup of this config's runs for a model like {@code model}: the same as in-process. */
    public RunPlan plan(LlamaConfig model) {
        return RunPlan.resolve(cfg, model);
    }

    private static final java.util.Set<String> NOT_EVAL = java.util.Set.of("round", "selected", "included", "client_loss",
            "align_nmse", "align_kl", "bytes_down_per_client", "bytes_up_per_client", "wall_seconds", "package_bytes", "clients");

    /** One round's metrics (as state.json holds them, restored ones included) as a rounds.csv row. */
    private static RoundRecord record(String method, long seed, Map<String, Object> m) {
        Map<String, Double> eval = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (!NOT_EVAL.contains(k) && v instanceof Number n) eval.put(k, n.doubleValue());
        });
        return new RoundRecord(method, seed, num(m, "round").intValue(), num(m, "client_loss").doubleValue(),
                num(m, "align_nmse").doubleValue(), num(m, "align_kl").doubleValue(), eval, num(m, "bytes_down_per_client").longValue(),
                num(m, "bytes_up_per_client").longValue(), Double.NaN, Double.NaN, Double.NaN, num(m, "wall_seconds").doubleValue(),
                names(m, "selected").size(), names(m, "included").size(), num(m, "package_bytes").longValue());
    }

    private static List<?> names(Map<String, Object> m, String key) {
        return m.get(key) instanceof List<?> l ? l : List.of();
    }

    /** Every round's per-client rows, from the metrics state.json holds (so a resumed server rebuilds clients.csv). */
    private static List<ClientRecord> clientRecords(String method, long seed, List<Map<String, Object>> metrics) {
        List<ClientRecord> out = new ArrayList<>();
        for (Map<String, Object> m : metrics)
            for (Object o : names(m, "clients"))
                if (o instanceof Map<?, ?> c)
                    out.add(new ClientRecord(method, seed, num(m, "round").intValue(), String.valueOf(c.get("client")),
                            num(c, "examples").longValue(), num(c, "tokens").longValue(), num(c, "train_loss").doubleValue(),
                            num(c, "nan_skipped").intValue(), num(m, "bytes_down_per_client").longValue(),
                            num(m, "bytes_up_per_client").longValue()));
        return out;
    }

    /** The untuned model on the public held-out split, also written as untuned.csv (round -1: before training). */
    private Map<String, Double> untuned(FederatedRun run, long seed) throws IOException {
        Map<String, Double> u = run.evaluateUntuned();
        RoundCsv.write(stateDir.resolve("untuned.csv"), List.of(new RoundRecord("untuned", seed, -1, Double.NaN, Double.NaN,
                Double.NaN, u, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0)));
        return u;
    }

    private static Number num(Map<?, ?> m, String key) {
        return m.get(key) instanceof Number n ? n : Double.NaN;
    }

    private Map<String, Object> metrics(FederatedRun.RoundStats st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", st.round());
        m.put("selected", Arrays.stream(st.selected()).mapToObj(tokens::name).toList());
        m.put("included", Arrays.stream(st.included()).mapToObj(tokens::name).toList());
        m.put("client_loss", st.clientLoss());
        if (st.align() != null) {
            m.put("align_nmse", st.align().nmse());
            m.put("align_kl", st.align().kl());
        }
        m.putAll(st.eval());
        m.put("bytes_down_per_client", st.bytesDownPerClient());
        m.put("bytes_up_per_client", st.bytesUpPerClient());
        m.put("wall_seconds", st.wallSeconds());
        m.put("package_bytes", st.packageBytes());
        m.put("clients", st.clients().stream().map(c -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("client", tokens.name(c.client()));
            e.put("examples", c.samples());
            e.put("tokens", c.tokens());
            e.put("train_loss", c.meanLoss());
            e.put("nan_skipped", c.nanSkipped());
            return e;
        }).toList());
        return m;
    }

    /** The public stream, counted so a resumed server can put a fresh one at the same batch. */
    private static final class ReplayableSource implements BatchSource {
        private final BatchSource source;
        private long drawn;

        ReplayableSource(BatchSource source) {
            this.source = source;
        }

        void skip(long n) {
            for (long i = 0; i < n; i++) next();
        }

        long drawn() {
            return drawn;
        }

        @Override
        public Batch next() {
            drawn++;
            return source.next();
        }
    }
}
