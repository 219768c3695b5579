package io.fedbiot.method;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.DataFormat;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.secagg.FixedPoint;
import com.fasterxml.jackson.annotation.JsonValue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One experiment, as read from YAML (keys in snake_case; configs/example.yaml documents them all).
 * Every key has a default ({@link #defaults()}) except {@code model} and {@code data.client.path}.
 * Relative paths are taken as they are, against the working directory.
 *
 * @param model                  the model checkpoint (llama2.c .bin, GGUF or HF directory); required
 * @param tokenizer              tokenizer file; null: the checkpoint's own or the one beside it
 * @param data                   client and public datasets
 * @param partition              how the client dataset is split among clients
 * @param methods                what to run, each on every seed: a method (fedbiot, fedot, offsite-tuning, fedlora) or a name from {@code variants}
 * @param variants               named method variants: a method with its own adapter and/or beta (e.g. fedbiot_a4: {method: fedbiot, adapter: 4})
 * @param beta                   drop rate β of the teacher layers, in [0, 1)
 * @param adapter                FedBiOT's top adapter layers a
 * @param lora                   LoRA shape
 * @param lambda                 KL weight λ in the alignment loss
 * @param epsilon                proximal weight ε in the client loss (0: the reference code's behaviour)
 * @param rounds                 federated rounds T
 * @param localSteps             client optimizer steps per round, K_local
 * @param alignSteps             server alignment steps per round, E
 * @param prealignRounds         alignment calls before round 0, R0 (FedBiOT)
 * @param lrClient               client AdamW learning rate
 * @param lrAlign                server (alignment) AdamW learning rate
 * @param betas                  AdamW (β1, β2)
 * @param weightDecay            AdamW weight decay
 * @param batchSize              samples per optimizer step (clients and alignment)
 * @param seeds                  one run per seed and method
 * @param evalEvery              evaluate every this many rounds (and after the last); the best adapter is kept by validation loss
 * @param eval                   evaluation options
 * @param layerwiseNmse          alignment NMSE summed over every emulator layer, not just the last
 * @param maskPaddingInAlignment mask padding in the alignment loss (false: the reference code's averaging)
 * @param secureAggregation      aggregate through pairwise-masked secure aggregation (docs/SECURE_AGGREGATION.md), in-process and over Flight
 * @param secureAggregationThreshold     Shamir threshold t (each round tolerates n − t dropouts); 0: a majority, ⌊n/2⌋ + 1
 * @param secureAggregationPrecisionBits fixed-point fraction bits of the masked update
 * @param output                 run directory: records, checkpoints, report
 */
public record ExperimentConfig(
        Path model,
        Path tokenizer,
        Data data,
        Partition partition,
        List<String> methods,
        Map<String, Variant> variants,
        double beta,
        int adapter,
        Lora lora,
        double lambda,
        double epsilon,
        int rounds,
        int localSteps,
        int alignSteps,
        int prealignRounds,
        double lrClient,
        double lrAlign,
        List<Double> betas,
        double weightDecay,
        int batchSize,
        List<Long> seeds,
        int evalEvery,
        Eval eval,
        boolean layerwiseNmse,
        boolean maskPaddingInAlignment,
        boolean secureAggregation,
        int secureAggregationThreshold,
        int secureAggregationPrecisionBits,
        Path output) {

    public ExperimentConfig {
        // fedbiot, FedBiOT and offsite all mean one method: stored under its one key, so a run's name does not depend on the spelling
        if (methods != null) methods = methods.stream().map(ExperimentConfig::canonicalMethod).toList();
        if (variants != null) variants = Collections.unmodifiableMap(new LinkedHashMap<>(variants));
    }

    /** The modules LoRA may target (ALGORITHM.md §3). */
    public static final List<String> LORA_MODULES = List.of("wq", "wk", "wv", "wo", "w1", "w2", "w3");
    /** Hugging Face / PEFT module names (what an exported adapter_config.json lists), each to ours. */
    public static final Map<String, String> HF_LORA_MODULES = hfLoraModules();

    /**
     * @param client    the clients' private data
     * @param publicSet the server's public data for alignment (key {@code public})
     * @param test      the test split exact match is scored on (GSM8K's test.jsonl), same format as {@code client},
     *                  read under {@code badRows}; path null: the held-out test rows of {@code client}
     * @param maxLen    tokenized rows longer than this (prompt + response) are skipped
     * @param badRows   rows that cannot be read: skip (and count) or fail
     * @param cache     folder for tokenized data caches
     */
    public record Data(Dataset client, @JsonProperty("public") Dataset publicSet, Dataset test, int maxLen, BadRowPolicy badRows, Path cache) {}

    /** A dataset file and its format. */
    public record Dataset(Path path, DataFormat format) {}

    /**
     * @param by      iid, field:NAME (one client per value of NAME) or dirichlet:ALPHA:NAME (label skew over NAME)
     * @param clients K; null: one per value for field:NAME, else 3
     * @param sample        clients m drawn per round; null: all of them
     * @param participation fraction of the clients drawn per round, m = max(1, round(fraction · K)); null: all (not with sample)
     */
    public record Partition(PartitionScheme by, Integer clients, Integer sample, Double participation) {
        /** Clients per round out of {@code k}. */
        public int perRound(int k) {
            if (sample != null) return Math.min(sample, k);
            if (participation != null) return Math.min(k, Math.max(1, (int) Math.round(participation * k)));
            return k;
        }

        /** K, given how many distinct values the partition field has in the data (ignored for iid and dirichlet). */
        public int clientCount(int fieldValues) {
            if (clients != null) return clients;
            return by instanceof PartitionScheme.ByField ? fieldValues : 3;
        }
    }

    /** How clients get their rows: {@code iid}, {@code field:NAME} or {@code dirichlet:ALPHA:NAME}. */
    public sealed interface PartitionScheme {
        /** Uniformly shuffled, equal shares. */
        record Iid() implements PartitionScheme {}

        /** One client per distinct value of a row field (Dolly's category, a code task's language). */
        record ByField(String field) implements PartitionScheme {}

        /** Each client's share of each field value drawn from Dirichlet(alpha): smaller alpha, more skew. */
        record Dirichlet(double alpha, String field) implements PartitionScheme {}

        @JsonCreator
        static PartitionScheme parse(String s) {
            String[] p = s.strip().split(":", -1);
            switch (p[0].toLowerCase(Locale.ROOT)) {
                case "iid" -> {
                    if (p.length == 1) return new Iid();
                }
                case "field" -> {
                    if (p.length == 2 && !p[1].isBlank()) return new ByField(p[1].strip());
                }
                case "dirichlet" -> {
                    if (p.length == 3 && !p[2].isBlank()) {
                        double a;
                        try {
                            a = Double.parseDouble(p[1]);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("dirichlet alpha '" + p[1] + "' is not a number");
                        }
                        if (!(a > 0 && Double.isFinite(a))) throw new IllegalArgumentException("dirichlet alpha must be > 0, got " + p[1]);
                        return new Dirichlet(a, p[2].strip());
                    }
                }
                default -> {
                }
            }
            throw new IllegalArgumentException("unknown partition '" + s + "'; use iid, field:NAME or dirichlet:ALPHA:NAME");
        }

        @JsonValue
        default String key() {
            return switch (this) {
                case Iid i -> "iid";
                case ByField f -> "field:" + f.field();
                case Dirichlet d -> "dirichlet:" + d.alpha() + ":" + d.field();
            };
        }
    }

    /**
     * @param rank    r_lora
     * @param alpha   scaling numerator; scale = alpha / rank
     * @param dropout dropout on the LoRA input, in [0, 1)
     * @param targets modules that get LoRA, from wq, wk, wv, wo, w1, w2, w3 or their Hugging Face
     *                names (q_proj, ...), which are stored as ours
     */
    public record Lora(int rank, double alpha, double dropout, List<String> targets) {
        public Lora {
            if (targets != null) targets = targets.stream().map(t -> t == null ? null : HF_LORA_MODULES.getOrDefault(t, t)).toList();
        }

        public double scale() {
            return alpha / rank;
        }
    }

    /**
     * @param heldoutFraction  fraction of each client's data held out for evaluation, in (0, 1)
     * @param maxRows          evaluate at most this many held-out rows (0: all)
     * @param gsm8kExactMatch  generate and score exact match (GSM8K data: the number; tasks data: the answer string)
     * @param maxNewTokens     generation length for exact match
     * @param validationFraction share of the held-out rows that is validation (picks the best round), the rest test
     * @param exactMatchEvery  also score exact match after every this many rounds (generation is the costly part); 0: after the last round only
     * @param exactMatchRows   score exact match on at most this many rows; 0: as many as max_rows
     * @param humaneval        HumanEval pass@k after the last round (off while its path is null)
     */
    public record Eval(double heldoutFraction, int maxRows, boolean gsm8kExactMatch, int maxNewTokens, double validationFraction,
                       int exactMatchEvery, int exactMatchRows, HumanEval humaneval) {}

    /**
     * HumanEval pass@k in the sandbox (docs/CODE.md), for the untuned model and each method's AdapFu.
     *
     * @param path         HumanEval JSON Lines (.jsonl or .jsonl.gz); null: no HumanEval
     * @param k            the pass@k reported, each in [1, n]
     * @param n            samples per problem (1 with temperature 0: greedy pass@1)
     * @param temperature  sampling temperature; 0 greedy
     * @param maxNewTokens tokens generated per completion at most
     * @param timeoutS     wall-clock seconds one problem's program may run
     * @param rows         the first this many problems; 0: all 164
     * @param python       the interpreter the sandbox runs
     */
    public record HumanEval(Path path, List<Integer> k, int n, double temperature, int maxNewTokens, double timeoutS, int rows,
                            String python) {
        public io.fedbiot.code.HumanEvalRun.Settings settings(long seed) {
            return new io.fedbiot.code.HumanEvalRun.Settings(k, n, temperature, maxNewTokens, timeoutS, rows, seed);
        }
    }

    /**
     * A named variant of a method: its own adapter size a and/or drop rate β (null: the top-level
     * {@code adapter} / {@code beta}), so one experiment can run, e.g., FedBiOT at a = 2 and a = 4.
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Variant(Method method, Integer adapter, Double beta) {}

    /**
     * One entry of {@code methods} resolved: its name (the run folder and rounds.csv's method
     * column come from it), the method, and the adapter and β it runs with.
     *
     * @param label the display name: the method's label, plus "a=4", "β=0.25" for what a variant overrides
     */
    public record MethodSpec(String name, String label, Method method, int adapter, double beta) {}

    /** The entries of {@code methods} in order, variants resolved (the config must be valid). */
    public List<MethodSpec> methodSpecs() {
        List<MethodSpec> out = new ArrayList<>();
        for (String name : methods) {
            Variant v = variants.get(name);
            if (v == null) {
                Method m = Method.parse(name);
                out.add(new MethodSpec(name, m.label(), m, adapter, beta));
                continue;
            }
            int a = v.adapter() != null ? v.adapter() : adapter;
            double b = v.beta() != null ? v.beta() : beta;
            String label = v.method().label() + (v.adapter() != null ? " a=" + a : "") + (v.beta() != null ? " β=" + b : "");
            out.add(new MethodSpec(name, label, v.method(), a, b));
        }
        return out;
    }

    /** The methods the entries of {@code methods} run (a variant counts as its method); unknown names are left out. */
    public java.util.Set<Method> baseMethods() {
        java.util.Set<Method> out = java.util.EnumSet.noneOf(Method.class);
        for (String name : methods) {
            Variant v = variants.get(name);
            if (v != null && v.method() != null) out.add(v.method());
            else if (v == null) {
                try {
                    out.add(Method.parse(name));
                } catch (IllegalArgumentException unknown) {
                    // problems() names it
                }
            }
        }
        return out;
    }

    private static String canonicalMethod(String name) {
        if (name == null) return null;
        try {
            return Method.parse(name).key();
        } catch (IllegalArgumentException notAMethod) {
            return name; // a variant's name, or unknown (problems() says which)
        }
    }

    /** Paper values where it gives them (GSM8K, β = 0.2), small enough elsewhere to run on a CPU. */
    public static ExperimentConfig defaults() {
        return new ExperimentConfig(
                null, null,
                new Data(new Dataset(null, DataFormat.GSM8K), new Dataset(null, DataFormat.ALPACA), new Dataset(null, DataFormat.GSM8K), 512, BadRowPolicy.SKIP,
                        Path.of(".cache", "fedbiot")),
                new Partition(new PartitionScheme.Iid(), null, null, null),
                List.of(Method.FEDBIOT.key()), Map.of(),
                0.2, 2,
                new Lora(8, 16, 0.05, List.of("wq", "wv")),
                1.0, 0.0,
                500, 30, 5, 50,
                1e-4, 1e-4, List.of(0.9, 0.95), 0.0,
                10,
                List.of(0L),
                50,
                new Eval(0.1, 200, true, 256, 0.5, 0, 0, new HumanEval(null, List.of(1), 1, 0.0, 128, 5.0, 0, "python3")),
                false, true,
                false, 0, 24,
                Path.of("runs"));
    }

    /** Reads {@code yaml}, applies {@code --set key.sub=value} overrides, binds and validates. */
    public static ExperimentConfig load(Path yaml, List<String> sets) throws IOException {
        return ExperimentConfigLoader.load(yaml, sets);
    }

    /** This config as YAML that {@link #load} reads back to an equal config (every key, defaults included). */
    public String toYaml() {
        return ExperimentConfigLoader.toYaml(this);
    }

    /** Every value problem, each naming its key and the bad value; empty when the config is usable. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (model == null) p.add("model: required, the path of the model checkpoint");
        if (data.client() == null || data.client().path() == null) p.add("data.client.path: required, the clients' dataset");
        if (data.client() != null && data.client().format() == null) p.add("data.client.format: required");
        java.util.Set<Method> base = baseMethods();
        boolean aligns = base.contains(Method.FEDBIOT) && (alignSteps > 0 || prealignRounds > 0);
        if (aligns && (data.publicSet() == null || data.publicSet().path() == null))
            p.add("data.public.path: required for fedbiot's alignment (or set align_steps and prealign_rounds to 0)");
        if (data.publicSet() != null && data.publicSet().format() == null) p.add("data.public.format: required");
        if (data.test() != null && data.test().path() != null) {
            if (data.test().format() != DataFormat.GSM8K && data.test().format() != DataFormat.TASKS)
                p.add("data.test.format: must be gsm8k or tasks (rows with an answer to match), got " + data.test().format());
            else if (data.client() != null && data.test().format() != data.client().format())
                p.add("data.test.format: " + data.test().format().name().toLowerCase(Locale.ROOT) + " differs from data.client.format "
                        + String.valueOf(data.client().format()).toLowerCase(Locale.ROOT) + "; the test split scores the clients' task");
            if (!eval.gsm8kExactMatch())
                p.add("data.test.path: only exact match reads the test split; set eval.gsm8k_exact_match: true or remove data.test");
        }
        atLeast(p, "data.max_len", data.maxLen(), 2);
        if (data.badRows() == null) p.add("data.bad_rows: required, skip or fail");
        if (partition.by() == null) p.add("partition.by: required, iid, field:NAME or dirichlet:ALPHA:NAME");
        if (partition.clients() != null) atLeast(p, "partition.clients", partition.clients(), 1);
        if (partition.sample() != null) {
            atLeast(p, "partition.sample", partition.sample(), 1);
            if (partition.clients() != null && partition.sample() > partition.clients())
                p.add("partition.sample: " + partition.sample() + " is more than partition.clients " + partition.clients());
        }
        if (partition.participation() != null) {
            double f = partition.participation();
            if (!(f > 0 && f <= 1)) p.add("partition.participation: must be in (0, 1] (the fraction of clients per round), got " + f);
            if (partition.sample() != null) p.add("partition.participation: give it or partition.sample, not both");
        }
        if (methods.isEmpty()) p.add("methods: empty; list at least one of fedbiot, fedot, offsite-tuning, fedlora");
        if (new HashSet<>(methods).size() != methods.size()) p.add("methods: listed twice in " + methods);
        methodProblems(p);
        if (!(beta >= 0 && beta < 1)) p.add("beta: must be in [0, 1), got " + beta);
        atLeast(p, "adapter", adapter, 1);
        atLeast(p, "lora.rank", lora.rank(), 1);
        if (!(lora.alpha() > 0)) p.add("lora.alpha: must be > 0, got " + lora.alpha());
        if (!(lora.dropout() >= 0 && lora.dropout() < 1)) p.add("lora.dropout: must be in [0, 1), got " + lora.dropout());
        if (lora.targets().isEmpty()) p.add("lora.targets: empty; list modules from " + LORA_MODULES);
        for (String t : lora.targets())
            if (!LORA_MODULES.contains(t))
                p.add("lora.targets: unknown module '" + t + "'; use " + String.join(", ", LORA_MODULES)
                        + " or the Hugging Face names " + String.join(", ", HF_LORA_MODULES.keySet()));
        if (new HashSet<>(lora.targets()).size() != lora.targets().size()) p.add("lora.targets: listed twice in " + lora.targets());
        nonNegative(p, "lambda", lambda);
        nonNegative(p, "epsilon", epsilon);
        atLeast(p, "rounds", rounds, 1);
        atLeast(p, "local_steps", localSteps, 1);
        atLeast(p, "align_steps", alignSteps, 0);
        atLeast(p, "prealign_rounds", prealignRounds, 0);
        if (!(lrClient > 0)) p.add("lr_client: must be > 0, got " + lrClient);
        if (!(lrAlign > 0)) p.add("lr_align: must be > 0, got " + lrAlign);
        if (betas.size() != 2) p.add("betas: need two values [beta1, beta2], got " + betas);
        for (double b : betas) if (!(b >= 0 && b < 1)) p.add("betas: each must be in [0, 1), got " + b);
        nonNegative(p, "weight_decay", weightDecay);
        atLeast(p, "batch_size", batchSize, 1);
        if (seeds.isEmpty()) p.add("seeds: empty; list at least one seed");
        if (new HashSet<>(seeds).size() != seeds.size()) p.add("seeds: listed twice in " + seeds);
        atLeast(p, "eval_every", evalEvery, 1);
        if (!(eval.heldoutFraction() > 0 && eval.heldoutFraction() < 1))
            p.add("eval.heldout_fraction: must be in (0, 1), got " + eval.heldoutFraction());
        if (!(eval.validationFraction() > 0 && eval.validationFraction() < 1))
            p.add("eval.validation_fraction: must be in (0, 1) (validation picks the best round, the rest is test), got " + eval.validationFraction());
        atLeast(p, "eval.max_rows", eval.maxRows(), 0);
        atLeast(p, "eval.max_new_tokens", eval.maxNewTokens(), 1);
        HumanEval he = eval.humaneval();
        if (he.path() != null) {
            p.addAll(he.settings(0).problems("eval.humaneval."));
            if (he.python() == null || he.python().isBlank()) p.add("eval.humaneval.python: required, e.g. python3");
        }
        atLeast(p, "eval.exact_match_every", eval.exactMatchEvery(), 0);
        atLeast(p, "eval.exact_match_rows", eval.exactMatchRows(), 0);
        secureAggregationProblems(p);
        if (output == null) p.add("output: required, the run directory");
        return p;
    }

    /** The threshold and precision keys always; with secure_aggregation on, also against the clients per round when known. */
    private void secureAggregationProblems(List<String> p) {
        int t = secureAggregationThreshold, bits = secureAggregationPrecisionBits;
        if (t != 0 && t < 2) p.add("secure_aggregation_threshold: must be 0 (a majority of each round's clients) or >= 2, got " + t);
        if (bits < FixedPoint.MIN_FRACTION_BITS || bits > FixedPoint.MAX_FRACTION_BITS)
            p.add("secure_aggregation_precision_bits: must be in [" + FixedPoint.MIN_FRACTION_BITS + ", " + FixedPoint.MAX_FRACTION_BITS + "], got " + bits);
        if (!secureAggregation) return;
        if (baseMethods().contains(Method.OFFSITE_TUNING))
            p.add("secure_aggregation: offsite-tuning trains one client holding all the data, so there is no sum to hide an update in; "
                    + "remove it from methods or set secure_aggregation to false");
        Integer perRound = partition.sample() != null ? partition.sample()
                : partition.clients() == null ? null : partition.perRound(partition.clients());
        String from = partition.sample() != null ? "partition.sample"
                : partition.participation() != null ? "partition.participation × partition.clients" : "partition.clients";
        if (perRound != null) p.addAll(secureAggregationProblems(perRound, from));
    }

    /**
     * With secure_aggregation on, what {@code perRound} clients per round rule out ({@code source}
     * says where that number comes from); empty when it is off or they fit.
     */
    public List<String> secureAggregationProblems(int perRound, String source) {
        List<String> p = new ArrayList<>();
        int t = secureAggregationThreshold, bits = secureAggregationPrecisionBits;
        if (!secureAggregation || (t != 0 && t < 2) || bits < FixedPoint.MIN_FRACTION_BITS || bits > FixedPoint.MAX_FRACTION_BITS) return p;
        if (perRound < 2) p.add("secure_aggregation: needs at least 2 clients per round, " + source + " is " + perRound);
        else if (t > perRound) p.add("secure_aggregation_threshold: " + t + " is more than the " + perRound + " clients per round (" + source + ")");
        else if (FixedPoint.problem(bits, perRound) != null) p.add("secure_aggregation_precision_bits: " + FixedPoint.problem(bits, perRound));
        return p;
    }

    /** The split each method uses for a model of {@code layers} layers. */
    public Split split(Method m, int layers) {
        return Split.of(m, layers, adapter, beta);
    }

    /** The split of one entry of {@code methods}, with its variant's adapter and β. */
    public static Split split(MethodSpec m, int layers) {
        return Split.of(m.method(), layers, m.adapter(), m.beta());
    }

    /**
     * Names in methods that are neither a method nor a variant, and malformed variants. A variant
     * not listed is allowed (--set methods=[fedlora] on the demo's config), a misspelt name in methods is not.
     */
    private void methodProblems(List<String> p) {
        String use = "use fedbiot, fedot, offsite-tuning, fedlora" + (variants.isEmpty() ? " or a name defined under variants"
                : " or a variant (" + String.join(", ", variants.keySet()) + ")");
        for (int i = 0; i < methods.size(); i++) {
            String name = methods.get(i);
            if (name == null) continue;
            if (!variants.containsKey(name) && !Method.isMethod(name)) p.add("methods[" + i + "]: unknown '" + name + "'; " + use);
        }
        for (Map.Entry<String, Variant> e : variants.entrySet()) {
            String key = "variants." + e.getKey();
            Variant v = e.getValue();
            if (!e.getKey().matches("[a-z0-9][a-z0-9_-]*"))
                p.add(key + ": a variant's name must be lower-case letters, digits, _ and - (it names the run folder)");
            else if (Method.isMethod(e.getKey()))
                p.add(key + ": '" + e.getKey() + "' is a method's own name; give the variant another name, e.g. " + e.getKey() + "_a4");
            if (v == null) {
                p.add(key + ": must be a section with keys method, adapter, beta");
                continue;
            }
            if (v.method() == null) p.add(key + ".method: required, one of fedbiot, fedot, offsite-tuning, fedlora");
            if (v.adapter() != null) {
                atLeast(p, key + ".adapter", v.adapter(), 1);
                if (v.method() != null && v.method() != Method.FEDBIOT)
                    p.add(key + ".adapter: only FedBiOT has a top adapter of size a; " + v.method().label()
                            + " always adapts the bottom 2 and top 2 layers (FedLoRA every layer)");
            }
            if (v.beta() != null) {
                if (!(v.beta() >= 0 && v.beta() < 1)) p.add(key + ".beta: must be in [0, 1), got " + v.beta());
                if (v.method() == Method.FEDLORA) p.add(key + ".beta: FedLoRA drops no layer, so beta means nothing for it");
            }
        }
    }

    private static Map<String, String> hfLoraModules() {
        Map<String, String> m = new LinkedHashMap<>();
        for (LoraTarget t : LoraTarget.values()) m.put(t.hfModule().substring(t.hfModule().lastIndexOf('.') + 1), t.key());
        return Collections.unmodifiableMap(m);
    }

    private static void atLeast(List<String> p, String key, long v, long min) {
        if (v < min) p.add(key + ": must be >= " + min + ", got " + v);
    }

    private static void nonNegative(List<String> p, String key, double v) {
        if (!(v >= 0)) p.add(key + ": must be >= 0, got " + v);
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String s) {
        for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(s.strip())) return e;
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) names.add(e.name().toLowerCase(Locale.ROOT));
        throw new IllegalArgumentException("unknown value '" + s + "'; use " + String.join(", ", names));
    }
}
