package io.fedbiot.demo;

import io.fedbiot.method.Experiment;
import io.fedbiot.method.Method;
import io.fedbiot.pretrain.PretrainSettings;
import io.fedbiot.pretrain.Pretrainer;
import io.fedbiot.pretrain.TextCorpus;
import io.fedbiot.report.AtomicFiles;
import io.fedbiot.report.RoundRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The self-contained demo: generated corpus and tasks, a LLaMA pretrained here on the corpus
 * (cached under the output folder by a hash of everything that shapes it), and an experiment YAML
 * that runs FedBiOT, FedOT, Offsite-Tuning and FedLoRA on the tasks, one family per client,
 * scored by exact match. The run itself is the ordinary {@link Experiment}.
 */
public final class Demo {
    /** Sizes of the full demo and of the quick one (a smoke test of the whole path). */
    public record Scale(DemoData.Sizes sizes, PretrainSettings pretrain, int rounds, int localSteps, int prealign, int evalRows) {
        public static Scale full() {
            return new Scale(new DemoData.Sizes(4000, 400, 400),
                    new PretrainSettings(96, 6, 6, 256, 128, 600, 16, 3e-3, 30, 768, 0), 20, 15, 30, 80);
        }

        public static Scale quick() {
            return new Scale(new DemoData.Sizes(60, 12, 16),
                    new PretrainSettings(32, 6, 2, 64, 128, 4, 2, 3e-3, 1, 384, 0), 1, 1, 1, 8);
        }
    }

    /** What {@link #prepare} made: the data files, the model folder, and the experiment to run. */
    public record Plan(DemoData data, Path model, boolean cached, Path yaml) {}

    private Demo() {}

    /** Writes the data, pretrains the model unless the same one is cached, and writes {@code out/experiment.yaml}. */
    public static Plan prepare(Path out, Scale scale, boolean quiet, Consumer<String> log) throws IOException {
        long seed = scale.pretrain().seed();
        DemoData data = DemoData.write(out.resolve("data"), scale.sizes(), seed);
        // The model depends on the corpus bytes and the settings only.
        String key = sha256(Files.readString(data.corpus(), StandardCharsets.UTF_8)) + " " + scale.pretrain().describe();
        Path model = out.resolve("model-" + sha256(key).substring(0, 12));
        boolean cached = Files.isRegularFile(model.resolve("config.json")) && Files.isRegularFile(model.resolve("tokenizer.bin"))
                && Files.isRegularFile(model.resolve("pretrain.txt"));
        if (cached) {
            log.accept("pretrained model: " + model + " (cached; delete it to pretrain again)");
        } else {
            log.accept("pretraining " + model + " on " + data.corpus());
            Pretrainer.pretrain(TextCorpus.read(data.corpus(), "text"), null, scale.pretrain(), model, quiet, log);
        }
        Path yaml = out.resolve("experiment.yaml");
        String text = yaml(out, data, model, scale);
        AtomicFiles.write(yaml, o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
        return new Plan(data, model, cached, yaml);
    }

    /** The experiment: every method, one client per task family, exact match on held-out tasks. */
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
                methods: [fedbiot, fedot, offsite-tuning, fedlora]
                beta: 0.2
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
                eval_every: %7$d
                eval: {heldout_fraction: 0.1, max_rows: %10$d, max_new_tokens: 24}
                output: %11$s
                """, q(out.resolve("experiment.yaml")), q(model), q(data.clients()), q(data.publicSet()), 256,
                q(out.resolve("cache")), s.rounds(), s.localSteps(), s.prealign(), s.evalRows(), q(out));
    }

    /** The demo's table: exact match and held-out loss of each method's final adapter, against the untuned model. */
    public static String table(Experiment.Result r) {
        String em = Experiment.EXACT_MATCH;
        StringBuilder t = new StringBuilder("| method | AdapEmu exact match | AdapFu exact match | AdapFu held-out loss |\n|---|---|---|---|\n");
        Map<String, Double> u = r.untuned();
        t.append(row("untuned full model", Double.NaN, u.getOrDefault("AdapFu/" + em, Double.NaN),
                u.getOrDefault("AdapFu/client_loss", Double.NaN)));
        for (Method m : Method.values()) {
            List<RoundRecord> mine = r.records().stream().filter(x -> x.method().equals(m.label())).toList();
            if (mine.isEmpty()) continue;
            RoundRecord last = mine.getLast();
            t.append(row(m.label(), last.metric("AdapEmu/" + em), last.metric("AdapFu/" + em), last.metric("AdapFu/client_loss")));
        }
        return t.toString();
    }

    private static String row(String name, double emu, double fu, double loss) {
        return "| " + name + " | " + pct(emu) + " | " + pct(fu) + " | " + (Double.isFinite(loss) ? String.format(Locale.ROOT, "%.3f", loss) : "–") + " |\n";
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f%%", 100 * v) : "–";
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
