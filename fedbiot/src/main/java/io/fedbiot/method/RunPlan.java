package io.fedbiot.method;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.Batch;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.Partition;
import io.fedbiot.data.Partitioners;
import io.fedbiot.data.Splits;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraTarget;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A run's whole setup, resolved once from the config and the model, so that the in-process
 * {@link Experiment} and the Flight server cannot work it out differently. Row-level parts are
 * rules (fraction and seed, partition scheme) applied to the data once it is loaded.
 *
 * @param runs       one per method and seed, methods outer: the order Experiment runs them (the Flight server serves the first)
 * @param lora       the LoRA shape
 * @param client     client AdamW (lr, betas, weight decay), proximal ε, local steps
 * @param align      server AdamW, λ, alignment steps
 * @param clientRows training vs held-out rows of the client data
 * @param publicRows alignment vs held-out rows of the public data
 * @param partition  how the client data's rows go to clients (in-process)
 * @param data       how rows become batches; the Flight package header carries it to the clients
 * @param eval       evaluation schedule and row limits
 */
public record RunPlan(List<MethodRun> runs, LoraConfig lora, ClientTrainer.Settings client, Alignment.Settings align,
                      RowSplit clientRows, RowSplit publicRows, PartitionRule partition, DataSettings data, EvalPlan eval) {
    /** Share of the public data used for alignment, the rest held out (ALGORITHM.md §8). */
    public static final double PUBLIC_ALIGN_FRACTION = 0.8;

    public RunPlan {
        runs = List.copyOf(runs);
    }

    /**
     * One entry of {@code methods} on one seed: its layer split and FederatedRun settings (the seed also seeds the public batches).
     *
     * @param name  the entry's name in the config (a method or a variant)
     * @param label what records and reports call it (the method's label, plus a variant's overrides)
     */
    public record MethodRun(String name, String label, Method method, long seed, Split split, FederatedRun.Settings settings) {
        /** The run's folder of adapters: fedbiot-seed0 as before variants existed, a variant's own name otherwise. */
        public String folder() {
            String base = Method.isMethod(name) ? method.name().toLowerCase(java.util.Locale.ROOT) : name;
            return base + "-seed" + seed;
        }

        /** The batch seeds of clients 0..n-1 (Offsite-Tuning's one merged client in-process uses {@link #seed} itself). */
        public List<Long> clientSeeds(int n) {
            return IntStream.range(0, n).mapToObj(k -> clientSeed(seed, k)).toList();
        }
    }

    /** A seeded cut of n rows into round(n · trainFraction) training rows and the rest (Splits.split). */
    public record RowSplit(double trainFraction, long seed) {
        public Splits.Split apply(int n) {
            return Splits.split(n, trainFraction, seed);
        }
    }

    /** The partition scheme with its client count K (unused by field:NAME, which makes one client per value) and seed. */
    public record PartitionRule(ExperimentConfig.PartitionScheme by, int clients, long seed) {
        public Partition apply(TokenizedDataset data, int[] rows) {
            return switch (by) {
                case ExperimentConfig.PartitionScheme.Iid i -> Partitioners.iid(rows, clients, seed);
                case ExperimentConfig.PartitionScheme.ByField f -> Partitioners.byField(data.column(f.field()), rows);
                case ExperimentConfig.PartitionScheme.Dirichlet d -> Partitioners.dirichlet(data.column(d.field()), rows, clients, d.alpha(), seed);
            };
        }
    }

    /** Batch size, row length limit, bad-row policy, and the clients' data format. */
    public record DataSettings(int batchSize, int maxLen, DataFormat format, BadRowPolicy badRows) {
        /** Consecutive batches of {@code rows} (evaluation). */
        public List<Batch> batches(TokenizedDataset d, int[] rows) {
            List<Batch> out = new ArrayList<>();
            for (int i = 0; i < rows.length; i += batchSize)
                out.add(Batch.of(d, Arrays.copyOfRange(rows, i, Math.min(rows.length, i + batchSize))));
            return out;
        }
    }

    /**
     * @param every        evaluate after every this many rounds, and after {@code lastRound}
     * @param maxRows      held-out rows to evaluate at most; 0: all
     * @param exactMatch   also generate and score exact match after the last round
     * @param maxNewTokens generation length for exact match
     * @param validationFraction share of the held-out rows that is validation, the rest test
     * @param exactMatchEvery and after every this many rounds; 0: the last round only
     * @param exactMatchRows  rows exact match scores at most; 0: maxRows
     */
    public record EvalPlan(int every, int lastRound, int maxRows, boolean exactMatch, int maxNewTokens, double validationFraction,
                           int exactMatchEvery, int exactMatchRows) {
        /**
         * The held-out rows cut into {validation, test}, disjoint, by a seeded shuffle: validation picks
         * the best round, test is what the report's losses and exact match are. Test gets
         * round(n · (1 − validationFraction)), so a single held-out row is a test row.
         */
        public int[][] validationAndTest(int[] heldOut, long seed) {
            Splits.Split tv = Splits.split(heldOut.length, 1 - validationFraction, seed ^ 0x76616C69L); // its own stream, not the train cut's
            return new int[][]{pick(heldOut, tv.heldOut()), pick(heldOut, tv.train())};
        }

        private static int[] pick(int[] rows, int[] at) {
            int[] out = new int[at.length];
            for (int i = 0; i < at.length; i++) out[i] = rows[at[i]];
            Arrays.sort(out);
            return out;
        }

        /** The rows exact match scores: the first exactMatchRows of {@code rows} (maxRows when 0; all when both are 0). */
        public int[] exactMatchRows(int[] rows) {
            return firstN(rows, exactMatchRows > 0 ? exactMatchRows : maxRows);
        }

        /** Whether round t (0-based) scores exact match. */
        public boolean exactMatchAt(int t) {
            return exactMatch && (t == lastRound || exactMatchEvery > 0 && (t + 1) % exactMatchEvery == 0);
        }

        /** The first maxRows of {@code rows} (all when 0). */
        public int[] first(int[] rows) {
            return firstN(rows, maxRows);
        }

        private static int[] firstN(int[] rows, int n) {
            return n == 0 || rows.length <= n ? rows : Arrays.copyOf(rows, n);
        }

        /** One client's held-out rows when {@code clients} share maxRows (at least one each). */
        public int[] perClient(int[] rows, int clients) {
            int n = maxRows == 0 ? Integer.MAX_VALUE : Math.max(1, maxRows / Math.max(1, clients));
            return rows.length <= n ? rows : Arrays.copyOf(rows, n);
        }
    }

    /** Client k's batch seed in a run of {@code seed}: the one place this formula lives. */
    public static long clientSeed(long seed, int k) {
        return seed * 1_000_003L + k;
    }

    /** The plan of a valid config (Experiment checks it) for a model with {@code model}'s layers. */
    public static RunPlan resolve(ExperimentConfig cfg, LlamaConfig model) {
        // Rope tables and caches end at the context: checked before any data or training.
        List<String> tooLong = new ArrayList<>();
        if (cfg.data().maxLen() > model.maxSeqLen()) tooLong.add("data.max_len: " + cfg.data().maxLen()
                + " is above the model's context length " + model.maxSeqLen() + "; set data.max_len <= " + model.maxSeqLen());
        if (!tooLong.isEmpty()) throw new ExperimentConfigException(String.valueOf(cfg.model()), tooLong);
        long seed0 = cfg.seeds().get(0); // the data's cuts and partition follow the first seed on every run
        var lc = cfg.lora();
        EnumSet<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (String t : lc.targets()) targets.add(LoraTarget.parse(t));
        LoraConfig lora = new LoraConfig(lc.rank(), (float) lc.alpha(), (float) lc.dropout(), targets);
        float b1 = cfg.betas().get(0).floatValue(), b2 = cfg.betas().get(1).floatValue();
        var client = new ClientTrainer.Settings(cfg.localSteps(), (float) cfg.lrClient(), b1, b2, (float) cfg.weightDecay(), (float) cfg.epsilon());
        var align = new Alignment.Settings(cfg.alignSteps(), (float) cfg.lrAlign(), b1, b2, (float) cfg.weightDecay(), (float) cfg.lambda(),
                cfg.layerwiseNmse(), cfg.maskPaddingInAlignment());
        Integer sample = cfg.partition().sample();
        double participation = cfg.partition().participation() == null ? 0 : cfg.partition().participation();
        List<MethodRun> runs = new ArrayList<>();
        for (ExperimentConfig.MethodSpec spec : cfg.methodSpecs()) {
            Method m = spec.method();
            for (long seed : cfg.seeds())
                runs.add(new MethodRun(spec.name(), spec.label(), m, seed, ExperimentConfig.split(spec, model.nLayers()),
                        new FederatedRun.Settings(m, lora, cfg.rounds(), sample == null ? 0 : sample, participation, client, align,
                                m == Method.FEDBIOT ? cfg.prealignRounds() : 0, cfg.evalEvery(), seed)));
        }
        var d = cfg.data();
        var e = cfg.eval();
        return new RunPlan(runs, lora, client, align, new RowSplit(1 - e.heldoutFraction(), seed0),
                new RowSplit(PUBLIC_ALIGN_FRACTION, seed0), new PartitionRule(cfg.partition().by(), cfg.partition().clientCount(0), seed0),
                new DataSettings(cfg.batchSize(), d.maxLen(), d.client().format(), d.badRows()),
                new EvalPlan(cfg.evalEvery(), cfg.rounds() - 1, e.maxRows(), e.gsm8kExactMatch(), e.maxNewTokens(), e.validationFraction(),
                        e.exactMatchEvery(), e.exactMatchRows()));
    }
}
