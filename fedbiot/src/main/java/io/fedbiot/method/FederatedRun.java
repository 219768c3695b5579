package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.kernels.Backend;
import io.fedbiot.secagg.SecureFedAvg;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's side of one run (ALGORITHM.md §6): pre-alignment, then per round alignment
 * (FedBiOT, t > 0), client sampling, local training through the transport, FedAvg and periodic
 * evaluation of AdapEmu (adapter on the emulator) and AdapFu (adapter plugged into the full model).
 * Deterministic for a seed.
 */
public final class FederatedRun implements AutoCloseable {
    /**
     * @param sample        clients per round; 0: all, or the participation fraction's share
     * @param participation the fraction of the available clients drawn per round (at least one), in (0, 1]; 0: unused
     */
    public record Settings(Method method, LoraConfig lora, int rounds, int sample, double participation, ClientTrainer.Settings client,
                           Alignment.Settings align, int prealign, int evalEvery, long seed) {
        public Settings {
            if (rounds < 1) throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
            if (sample < 0) throw new IllegalArgumentException("sample must be >= 0 (0 = all clients), got " + sample);
            if (!(participation >= 0 && participation <= 1))
                throw new IllegalArgumentException("participation must be in (0, 1] (0 = unused), got " + participation);
            if (sample > 0 && participation > 0) throw new IllegalArgumentException("give sample or participation, not both");
            if (evalEvery < 1) throw new IllegalArgumentException("eval_every must be >= 1, got " + evalEvery);
            if (prealign < 0) throw new IllegalArgumentException("prealign_rounds must be >= 0, got " + prealign);
        }

        /** Without a participation fraction. */
        public Settings(Method method, LoraConfig lora, int rounds, int sample, ClientTrainer.Settings client,
                        Alignment.Settings align, int prealign, int evalEvery, long seed) {
            this(method, lora, rounds, sample, 0, client, align, prealign, evalEvery, seed);
        }

        /** Clients drawn from {@code available}: sample, else max(1, round(participation · available)), else all. */
        public int perRound(int available) {
            if (sample > 0) return Math.min(sample, available);
            if (participation > 0) return Math.min(available, Math.max(1, (int) Math.round(participation * available)));
            return available;
        }
    }

    /** The rounds' RNG draws are recorded so a restarted server can replay them (Rng exposes no state). */
    private static final class DrawLog {
        private final Rng rng;
        private final List<Long> draws = new ArrayList<>(); // a bound for nextInt, -1 for nextLong

        DrawLog(Rng rng) {
            this.rng = rng;
        }

        int nextInt(int bound) {
            draws.add((long) bound);
            return rng.nextInt(bound);
        }

        long nextLong() {
            draws.add(-1L);
            return rng.nextLong();
        }

        long[] draws() {
            return draws.stream().mapToLong(Long::longValue).toArray();
        }

        void replay(long[] log) {
            if (!draws.isEmpty()) throw new IllegalStateException("restore needs a run that has not drawn yet");
            for (long d : log) {
                if (d < 0) nextLong();
                else nextInt(Math.toIntExact(d));
            }
        }
    }

    /**
     * Held-out batches: one list per client (test rows), the public held-out split, and the
     * validation rows (disjoint from the test rows) that pick the best round; empty for none.
     */
    public record EvalData(List<List<Batch>> clients, List<Batch> publicHeldOut, List<Batch> validation) {
        public EvalData(List<List<Batch>> clients, List<Batch> publicHeldOut) {
            this(clients, publicHeldOut, List.of());
        }
    }

    /** The metric of the AdapFu loss on the validation rows (report.BestRounds chooses by it). */
    public static final String VAL_LOSS = "val_loss";

    /**
     * @param bytesDownPerClient the round's payload to one selected client (tensor values, no padding)
     * @param bytesUpPerClient   one client's update likewise
     * @param packageBytes       the one-off compressed-model download to every client, in round 0 only (else 0)
     * @param clients            each update that came back, in {@code included} order
     */
    public record RoundStats(int round, int[] selected, double clientLoss, int nanSkipped, Alignment.Result align,
                             Map<String, Double> eval, long bytesDownPerClient, long bytesUpPerClient,
                             double clientFlops, double alignSeconds, double alignFlops, double wallSeconds,
                             int[] included, long packageBytes, List<ClientStat> clients) {}

    /** One client's part of a round: examples trained on, its mean loss, NaN-skipped steps and tokens. */
    public record ClientStat(int client, long samples, double meanLoss, int nanSkipped, long tokens) {}

    @FunctionalInterface
    public interface Listener {
        void onRound(RoundStats stats);
    }

    private final LlamaWeights base;
    private final Split split;
    private final Settings s;
    private final Transport transport;
    private final BatchSource publicData;
    private final EvalData evalData;
    private final Arena arena = Arena.ofShared();
    private final LoraSet adapter, emulator;
    private final LlamaModel full, compressed;
    private final DrawLog sampler;
    private final long packageBytes;
    private EmulatorLayers layersBefore, layersAfter;
    private int prealignNanSkipped;
    private SecureAggregation secure;

    /** Secure aggregation's parameters: threshold t (0: a majority) and fixed-point fraction bits. */
    public record SecureAggregation(int threshold, int precisionBits) {}

    public FederatedRun(LlamaWeights base, Split split, Settings s, Transport transport, BatchSource publicData, EvalData evalData) {
        if (split.method() != s.method()) throw new IllegalArgumentException("split is for " + split.method() + ", run is " + s.method());
        this.base = base;
        this.split = split;
        this.s = s;
        this.transport = transport;
        this.publicData = publicData;
        this.evalData = evalData;
        Backend be = base.tokEmbeddings().backend();
        Rng root = new Rng(s.seed());
        Rng init = root.split();
        this.sampler = new DrawLog(root.split());
        adapter = LoraSet.create(base.config(), s.lora(), split.adapter(), be, arena, init);
        emulator = split.hasEmulator() ? LoraSet.create(base.config(), s.lora(), split.kept(), be, arena, init) : null;
        full = LlamaModel.full(base);
        full.attach(adapter);
        compressed = new LlamaModel(base, split.compressed());
        compressed.attach(adapter);
        if (emulator != null) compressed.attach(emulator);
        ClientPackage pkg = ClientPackage.of(base, split, s.lora());
        packageBytes = pkg.bytes();
        for (int k = 0; k < transport.clients(); k++) transport.deliver(k, pkg);
    }

    /**
     * Everything a resumed server needs besides the config (ALGORITHM.md §6 state): the global
     * adapter and emulator LoRA (flat blocks) and the sampler's draws so far (replayed on restore).
     */
    public record Snapshot(float[] adapter, float[] emulator, long[] samplerDraws) {}

    /** From now on, aggregates through {@link SecureFedAvg} (null: plain FedAvg). */
    public FederatedRun secureAggregation(SecureAggregation params) {
        this.secure = params;
        return this;
    }

    /** Runs every round; the listener sees each round's statistics as it ends. */
    public List<RoundStats> run(Listener listener) {
        // Per-layer emulator figures on the public held-out split: fresh adapter before any alignment, and at the end.
        boolean measureLayers = split.hasEmulator() && !evalData.publicHeldOut().isEmpty();
        if (measureLayers) layersBefore = EmulatorLayers.measure(full, compressed, split, evalData.publicHeldOut(), s.align().maskPadding());
        prealign();
        List<RoundStats> out = new ArrayList<>();
        for (int t = 0; t < s.rounds(); t++) {
            RoundStats st = round(t);
            out.add(st);
            if (listener != null) listener.onRound(st);
        }
        if (measureLayers) layersAfter = EmulatorLayers.measure(full, compressed, split, evalData.publicHeldOut(), s.align().maskPadding());
        return out;
    }

    /** Pre-alignment (FedBiOT only): {@code prealign} alignment calls with the initial adapter. */
    public void prealign() {
        if (split.method() == Method.FEDBIOT)
            for (int i = 0; i < s.prealign(); i++)
                prealignNanSkipped += Alignment.align(full, compressed, split, emulator, adapter, publicData, s.align(), alignDropout(-1 - i)).nanSkipped();
    }

    /**
     * Round t: alignment (FedBiOT, t > 0), sampling among the clients the transport has, local
     * training, FedAvg over the updates that came back (a transport may leave out clients that
     * failed; none back leaves the adapter as it was; with secure aggregation on, the same mean
     * through {@link SecureFedAvg}, whose message bytes are then the round's), evaluation when due.
     */
    public RoundStats round(int t) {
        long t0 = System.nanoTime();
        Alignment.Result align = null;
        double alignSeconds = 0, alignFlops = 0;
        if (split.method() == Method.FEDBIOT && t > 0) {
            long a0 = System.nanoTime();
            align = Alignment.align(full, compressed, split, emulator, adapter, publicData, s.align(), alignDropout(t));
            alignSeconds = (System.nanoTime() - a0) / 1e9;
            alignFlops = align.tokens() * Costs.alignStep(base.config(), split, 1, align.seqLen());
        }
        int[] selected = select(transport.available());
        float[] adapterFlat = adapter.params().flat().toFloatArray();
        float[] emulatorFlat = split.method() == Method.FEDBIOT ? emulator.params().flat().toFloatArray() : null;
        List<RoundPayload> payloads = new ArrayList<>();
        for (int i = 0; i < selected.length; i++)
            payloads.add(new RoundPayload(t, adapterFlat, emulatorFlat, s.client(), sampler.nextLong()));
        Transport.SecureResult sr = secure == null ? null : transport.roundSecure(selected, payloads, secure.threshold(), secure.precisionBits());
        List<ClientUpdate> back = sr == null ? transport.roundAll(selected, payloads) : sr.included();
        List<LoraSet> updates = new ArrayList<>();
        long[] samples = new long[back.size()];
        int[] included = new int[back.size()];
        double lossSum = 0, clientFlops = 0;
        int nan = 0;
        long down = payloads.isEmpty() ? 0 : Costs.roundDownload(adapter, emulatorFlat == null ? null : emulator);
        long up = back.isEmpty() ? 0 : Costs.loraBytes(adapter);
        List<ClientStat> perClient = new ArrayList<>();
        try (Arena roundArena = Arena.ofShared()) {
            for (int i = 0; i < back.size(); i++) {
                ClientUpdate u = back.get(i);
                if (secure == null && u.adapter().length != adapterFlat.length)
                    throw new IllegalStateException("client " + u.client() + " sent " + u.adapter().length
                            + " adapter values, expected " + adapterFlat.length);
                if (secure == null) {
                    LoraSet set = LoraSet.empty(base.config(), s.lora(), split.adapter(), adapter.params().flat().backend(), roundArena);
                    set.params().flat().copyFrom(u.adapter());
                    updates.add(set);
                }
                samples[i] = u.samples();
                included[i] = u.client();
                clientFlops += u.tokens() * Costs.clientStep(base.config(), split, 1, u.seqLen());
                lossSum += u.meanLoss();
                nan += u.nanSkipped();
                perClient.add(new ClientStat(u.client(), u.samples(), u.meanLoss(), u.nanSkipped(), u.tokens()));
            }
            if (!updates.isEmpty()) FedAvg.average(adapter, updates, samples);
        }
        if (sr != null && sr.mean() != null && !back.isEmpty()) {
            if (sr.mean().length != adapterFlat.length)
                throw new IllegalStateException("the secure mean has " + sr.mean().length + " values, expected " + adapterFlat.length);
            adapter.params().flat().copyFrom(sr.mean()); // the flat blocks' padding is zero in every update, so in the mean
            up = sr.bytesUp() / back.size();
            down += sr.bytesDown() / back.size();
        }
        Map<String, Double> eval = (t + 1) % s.evalEvery() == 0 || t == s.rounds() - 1 ? evaluate() : Map.of();
        int n = Math.max(1, back.size());
        return new RoundStats(t, selected, back.isEmpty() ? Double.NaN : lossSum / n, nan, align, eval, down, up,
                clientFlops / n, alignSeconds, alignFlops, (System.nanoTime() - t0) / 1e9, included,
                t == 0 ? packageBytes * transport.clients() : 0, List.copyOf(perClient));
    }

    /**
     * The LoRA dropout RNG of alignment call {@code call} (round t, or -1 - i for pre-alignment i):
     * a function of seed and call alone, so a resumed server draws what an uninterrupted one would.
     */
    private Rng alignDropout(int call) {
        return new Rng(s.seed() * 0x9E3779B97F4A7C15L + call);
    }

    /** The state after the last completed round. */
    public Snapshot snapshot() {
        return new Snapshot(adapter.params().flat().toFloatArray(),
                emulator == null ? null : emulator.params().flat().toFloatArray(), sampler.draws());
    }

    /** Puts back a snapshot taken from a run with the same base, split and settings. */
    public void restore(Snapshot snap) {
        adapter.params().flat().copyFrom(snap.adapter());
        if (emulator != null) emulator.params().flat().copyFrom(snap.emulator());
        sampler.replay(snap.samplerDraws());
    }

    /** {@link Settings#perRound} of the available clients, uniformly without replacement, ascending. */
    private int[] select(int[] pool) {
        return select(pool, s.perRound(pool.length), sampler::nextInt);
    }

    /** m of {@code pool} by a partial Fisher-Yates shuffle drawing {@code nextInt(bound)}, ascending (the draws are the same as ever). */
    static int[] select(int[] pool, int m, java.util.function.IntUnaryOperator nextInt) {
        int K = pool.length;
        int[] idx = pool.clone();
        for (int i = 0; i < m; i++) {
            int j = i + nextInt.applyAsInt(K - i);
            int tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
        }
        int[] sel = java.util.Arrays.copyOf(idx, m);
        java.util.Arrays.sort(sel);
        return sel;
    }

    /** AdapEmu and AdapFu loss/perplexity on the clients' held-out splits and the public one. */
    public Map<String, Double> evaluate() {
        Map<String, Double> m = new LinkedHashMap<>();
        score(m, "AdapEmu", compressed);
        score(m, "AdapFu", full);
        validate(m, full);
        return m;
    }

    /** AdapFu only: the adapter plugged into the full model is what ships, so it is what picks the round. */
    private void validate(Map<String, Double> m, LlamaModel model) {
        if (evalData.validation().isEmpty()) return;
        Evaluator.Score v = Evaluator.loss(model, evalData.validation());
        if (v.tokens() > 0) m.put("AdapFu/" + VAL_LOSS, v.loss());
    }

    /**
     * The untuned full model on the same held-out data: the baseline row, under the AdapFu keys
     * (what the owner would ship without any tuning).
     */
    public Map<String, Double> evaluateUntuned() {
        Map<String, Double> m = new LinkedHashMap<>();
        LlamaModel untuned = LlamaModel.full(base);
        score(m, "AdapFu", untuned);
        validate(m, untuned);
        return m;
    }

    private void score(Map<String, Double> m, String prefix, LlamaModel model) {
        double sum = 0;
        long tokens = 0;
        for (List<Batch> c : evalData.clients()) {
            Evaluator.Score sc = Evaluator.loss(model, c);
            if (sc.tokens() == 0) continue;
            sum += sc.loss() * sc.tokens();
            tokens += sc.tokens();
        }
        if (tokens > 0) {
            m.put(prefix + "/client_loss", sum / tokens);
            m.put(prefix + "/client_ppl", Math.exp(sum / tokens));
        }
        if (!evalData.publicHeldOut().isEmpty()) {
            Evaluator.Score p = Evaluator.loss(model, evalData.publicHeldOut());
            m.put(prefix + "/public_loss", p.loss());
            m.put(prefix + "/public_ppl", p.perplexity());
        }
    }

    public LoraSet adapter() { return adapter; }
    public LoraSet emulator() { return emulator; }
    public LlamaModel fullModel() { return full; }
    public LlamaModel compressedModel() { return compressed; }
    public Split split() { return split; }
    public long packageBytes() { return packageBytes; }
    /** Pre-alignment steps skipped for a non-finite loss or gradient (reported with round 0). */
    public int prealignNanSkipped() { return prealignNanSkipped; }

    /** Per-emulator-layer NMSE/KL on the public held-out split before pre-alignment; null until run, or without emulator or public data. */
    public EmulatorLayers emulatorLayersBefore() { return layersBefore; }

    /** The same after the last round (final adapter, last alignment); null until run has finished. */
    public EmulatorLayers emulatorLayersAfter() { return layersAfter; }

    @Override
    public void close() {
        transport.close();
        arena.close();
    }
}
