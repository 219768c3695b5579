package io.fedbiot.demo;

import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.Backend;
import io.fedbiot.method.Experiment;
import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.pretrain.PretrainSettings;
import io.fedbiot.pretrain.Pretrainer;
import io.fedbiot.pretrain.TextCorpus;
import io.fedbiot.report.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The self-contained demo: generated corpus and tasks, a 12-layer LLaMA pretrained here on the
 * corpus (cached under the output folder by a hash of everything that shapes it, backend included),
 * and an experiment YAML that runs FedBiOT at a = 2 and a = 4, FedOT, Offsite-Tuning and FedLoRA on
 * the tasks, one family per client, scored by exact match. The run itself is the ordinary {@link Experiment}.
 */
public final class Demo {
    /**
     * Sizes of the full demo and of the quick one (a smoke test of the whole path, same depth).
     *
     * @param heldout         share of the task rows held out for evaluation
     * @param evalRows        held-out rows evaluated (0: all)
     * @param evalEvery       score the loss every this many rounds (and after the last)
     * @param exactMatchEvery score exact match every this many rounds (and after the last): generation is the costly part
     * @param exactMatchRows  held-out rows exact match scores
     */
    public record Scale(DemoData.Sizes sizes, PretrainSettings pretrain, int rounds, int localSteps, int prealign, double heldout,
                        int evalRows, int evalEvery, int exactMatchEvery, int exactMatchRows) {
        public static Scale full() {
            return new Scale(new DemoData.Sizes(4000, 1000, 400),
                    new PretrainSettings(64, LAYERS, 4, 192, 128, 1200, 16, 3e-3, 20, 768, 0), 16, 10, 30, 0.3, 800, 2, 4, 200);
        }

        public static Scale quick() {
            return new Scale(new DemoData.Sizes(60, 12, 16),
                    new PretrainSettings(16, LAYERS, 2, 32, 64, 4, 2, 3e-3, 1, 384, 0), 2, 1, 1, 0.25, 8, 1, 2, 8);
        }
    }

    /** Decoder layers of the demo's model: deep enough that every method's emulator drops layers at β = 0.5. */
    public static final int LAYERS = 12;
    /** FedBiOT's drop rate in the demo, and every other method's. */
    static final double BETA = 0.5;

    /** What {@link #prepare} made: the data files, the model folder, and the experiment to run. */
    public record Plan(DemoData data, Path model, boolean cached, Path yaml) {}

    private Demo() {}

    /**
     * Writes the data, pretrains the model on {@code be} unless the same one is cached, and writes
     * {@code out/experiment.yaml}.
     */
    public static Plan prepare(Path out, Scale scale, Backend be, boolean quiet, Consumer<String> log) throws IOException {
        long seed = scale.pretrain().seed();
        DemoData data = DemoData.write(out.resolve("data"), scale.sizes(), seed);
        // The model depends on the corpus bytes, the settings and the backend's arithmetic only.
        String key = sha256(Files.readString(data.corpus(), StandardCharsets.UTF_8)) + " " + scale.pretrain().describe() + " " + be.name();
        Path model = out.resolve("model-" + sha256(key).substring(0, 12));
        boolean cached = Files.isRegularFile(model.resolve("config.json")) && Files.isRegularFile(model.resolve("tokenizer.bin"))
                && Files.isRegularFile(model.resolve("pretrain.txt"));
        if (cached) {
            log.accept("pretrained model: " + model + " (cached; delete it to pretrain again)");
        } else {
            log.accept("pretraining " + model + " on " + data.corpus() + " (" + be.name() + ")");
            Pretrainer.pretrain(TextCorpus.read(data.corpus(), "text"), null, scale.pretrain(), be, model, quiet, log);
        }
        Path yaml = out.resolve("experiment.yaml");
        String text = yaml(out, data, model, scale);
        AtomicFiles.write(yaml, o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
        return new Plan(data, model, cached, yaml);
    }

    /**
     * The experiment: every method, one client per task family, exact match on held-out tasks.
     * L = 12, β = 0.5: FedBiOT a=2 compresses layers 0-9 to 5, a=4 layers 0-7 to 4, FedOT and
     * Offsite-Tuning layers 2-9 to 4, so FedBiOT a=4 and FedOT both tune 4 layers and drop 4.
     */
    static String yaml(Path out, DemoData data, Path model, Scale s) {
        return String.format(Locale.ROOT, """
                # Written by bin/fedbiot demo; rerun with bin/fedbiot run --config %1$s
                model: %2$s
                data:
                  client: {path: %3$s, format: tasks}
                  public: {path: %4$s, format: alpaca}
                  max_len: %5$d
                  cache: %6$s
                partition: {by: "field:family"}
                methods: [fedbiot, fedbiot_a4, fedot, offsite-tuning, fedlora]
                variants:
                  fedbiot_a4: {method: fedbiot, adapter: 4}
                beta: %12$s
                adapter: 2
                lora: {rank: 8, alpha: 16, dropout: 0.0, targets: [wq, wk, wv, wo, w1, w2, w3]}
                lambda: 1.0
                rounds: %7$d
                local_steps: %8$d
                align_steps: 5
                prealign_rounds: %9$d
                lr_client: 5.0e-3
                lr_align: 3.0e-3
                batch_size: 8
                seeds: [0]
                eval_every: %15$d
                eval: {heldout_fraction: %13$s, validation_fraction: 0.25, max_rows: %10$d, max_new_tokens: 24, exact_match_every: %14$d, exact_match_rows: %16$d}
                output: %11$s
                """, q(out.resolve("experiment.yaml")), q(model), q(data.clients()), q(data.publicSet()), 256,
                q(out.resolve("cache")), s.rounds(), s.localSteps(), s.prealign(), s.evalRows(), q(out), BETA, s.heldout(),
                s.exactMatchEvery(), s.evalEvery(), s.exactMatchRows());
    }

    /** The demo's experiment YAML with stand-in paths under {@code out}: what --set overrides are checked against before any work. */
    public static String standIn(Path out) {
        DemoData d = new DemoData(out.resolve("corpus.jsonl"), out.resolve("clients.jsonl"), out.resolve("public.jsonl"));
        return yaml(out, d, out.resolve("model"), Scale.full());
    }

    /** The demo's table (see {@link DemoTable}), for the experiment that produced {@code r} on a model like {@code model}. */
    public static String table(Experiment.Result r, ExperimentConfig cfg, LlamaConfig model) {
        return DemoTable.of(r, cfg, model);
    }

    /**
     * Puts the demo's table into report.md under its title, so the report shows what the demo
     * printed (the rest of report.md is the ordinary run report).
     */
    public static void addToReport(Path report, String table) throws IOException {
        String md = Files.readString(report, StandardCharsets.UTF_8);
        int at = md.indexOf("\n\n");
        String section = "\n\n## The demo's table\n\n" + DemoTable.LEGEND + "\n\n" + table;
        String out = at < 0 ? md + section : md.substring(0, at) + section + md.substring(at);
        AtomicFiles.write(report, o -> o.write(out.getBytes(StandardCharsets.UTF_8)));
    }

    /** A path as a YAML scalar, forward slashes, quoted. */
    private static String q(Path p) {
        return "\"" + p.toString().replace('\\', '/').replace("\"", "\\\"") + "\"";
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
