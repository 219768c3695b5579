package io.fedbiot.cli;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.Batch;
import io.fedbiot.data.Batcher;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.Splits;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.method.Alignment;
import io.fedbiot.method.DropoutStudy;
import io.fedbiot.method.EmulatorLayers;
import io.fedbiot.method.Experiment;
import io.fedbiot.method.Method;
import io.fedbiot.method.Split;
import io.fedbiot.report.AtomicFiles;
import io.fedbiot.report.LayerPlot;
import io.fedbiot.report.LayerTable;
import io.fedbiot.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code fedbiot study-dropout}: for each drop rate and split rule, the kept layers and the
 * per-emulator-layer NMSE and KL before and after alignment on held-out public data; a Markdown
 * table on stdout and in OUT/dropout.md, OUT/dropout.csv and the plot OUT/dropout.png.
 */
@Command(name = "study-dropout", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Layer-dropout study: for each drop rate β and split rule, which teacher layers the emulator keeps, "
                + "and per emulator layer the NMSE against the teacher layer it maps to and the KL of the compressed model "
                + "against the full one on held-out public data, before and after alignment (fresh adapter, as at "
                + "pre-alignment). Writes dropout.md, dropout.csv and dropout.png to --out; the table also goes to stdout.")
public final class StudyDropoutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Checkpoint: llama2.c .bin, GGUF or HF directory.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Public data (Alpaca JSON by default): 80%% aligns, held-out rows measure.")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "alpaca", description = "Data format: alpaca, dolly, gsm8k, codealpaca (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the GGUF's own or the one beside an HF model).")
    Path tokenizer;

    @Option(names = "--beta", split = ",", defaultValue = "0.2,0.4,0.5,0.6", paramLabel = "β,...",
            description = "Drop rates, each in [0, 1) (default ${DEFAULT-VALUE}).")
    double[] betas;

    @Option(names = "--rules", split = ",", defaultValue = "fedbiot,fedot", paramLabel = "RULE,...",
            description = "Split rules: fedbiot (top-a adapter) and/or fedot (2 + 2 adapter) (default ${DEFAULT-VALUE}).")
    List<String> rules;

    @Option(names = "--adapter", paramLabel = "A", defaultValue = "2", description = "FedBiOT's adapter: the top a layers (default ${DEFAULT-VALUE}).")
    int adapter;

    @Option(names = "--prealign-rounds", paramLabel = "R0", defaultValue = "10", description = "Alignment calls R0 (pre-alignment) between before and after (default ${DEFAULT-VALUE}).")
    int alignCalls;

    @Option(names = "--align-steps", paramLabel = "E", defaultValue = "5", description = "AdamW steps per alignment call, E (default ${DEFAULT-VALUE}).")
    int alignSteps;

    @Option(names = "--lr-align", paramLabel = "LR", defaultValue = "1e-3", description = "Alignment learning rate (default ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--lambda", paramLabel = "LAMBDA", defaultValue = "1.0", description = "KL weight λ in NMSE + λ·KL (default ${DEFAULT-VALUE}).")
    float lambda;

    @Option(names = "--layerwise-nmse", description = "Align on the sum of per-layer NMSE instead of the output's.")
    boolean layerwise;

    @Option(names = "--lora-rank", paramLabel = "R", defaultValue = "8", description = "LoRA rank on wq, wv; alpha = 2·rank (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "10", description = "Rows per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--max-len", paramLabel = "N", defaultValue = "512", description = "Rows longer than this many tokens are skipped (default ${DEFAULT-VALUE}).")
    int maxLen;

    @Option(names = "--heldout", paramLabel = "N", defaultValue = "40", description = "Held-out rows measured (default ${DEFAULT-VALUE}; 0: all of the 20%%).")
    int heldout;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the split, batches and LoRA init (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--cache", paramLabel = "DIR", defaultValue = ".cache/fedbiot", description = "Tokenized-data cache folder (default ${DEFAULT-VALUE}).")
    Path cache;

    @Option(names = "--out", defaultValue = "runs/dropout", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        List<Method> ruleList = new ArrayList<>();
        DataFormat fmt;
        try {
            for (String r : rules) {
                Method m = Method.parse(r);
                if (m != Method.FEDBIOT && m != Method.FEDOT)
                    throw new IllegalArgumentException("--rules: " + r + " has no layer-dropped emulator of its own; use fedbiot or fedot");
                ruleList.add(m);
            }
            fmt = DataFormat.parse(format);
            for (double b : betas) if (!(b >= 0 && b < 1)) throw new IllegalArgumentException("--beta: " + b + " is not in [0, 1)");
            positive("--batch-size", batch);
            positive("--max-len", maxLen);
            positive("--align-steps", alignSteps);
            positive("--lora-rank", rank);
            if (alignCalls < 0) throw new IllegalArgumentException("--prealign-rounds must be >= 0, got " + alignCalls);
            if (heldout < 0) throw new IllegalArgumentException("--heldout must be >= 0, got " + heldout);
        } catch (IllegalArgumentException e) {
            throw UserError.of(e);
        }
        OutputFolder.writable(out, "--out");
        try (Checkpoint ck = Checkpoint.load(model)) {
            Tokenizer tok = Experiment.tokenizer(ck, model, tokenizer, "pass --tokenizer");
            TokenizedDataset ds = DatasetCache.load(data, fmt, tok, maxLen, BadRowPolicy.SKIP, cache, line -> {
                err.println(line);
                err.flush();
            }).dataset();
            Splits.Split sp = Splits.split(ds.size(), 0.8, seed);
            if (sp.train().length == 0 || sp.heldOut().length == 0)
                throw new IllegalArgumentException(data + ": " + ds.size() + " usable rows (at most " + maxLen
                        + " tokens), too few to split 80/20 into alignment and held-out data");
            int[] held = heldout == 0 || heldout >= sp.heldOut().length ? sp.heldOut() : Arrays.copyOf(sp.heldOut(), heldout);
            List<Batch> heldBatches = new ArrayList<>();
            for (int i = 0; i < held.length; i += batch)
                heldBatches.add(Batch.of(ds, Arrays.copyOfRange(held, i, Math.min(held.length, i + batch))));
            Batcher pub = new Batcher(ds, sp.train(), batch, seed);
            var lora = new LoraConfig(rank, 2f * rank, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)); // no dropout: measured, not regularised
            var align = new Alignment.Settings(alignSteps, lr, 0.9f, 0.95f, 0f, lambda, layerwise, true);
            err.printf(Locale.ROOT, "%s: %d alignment rows, %d held-out rows in %d batches%n", data, sp.train().length, held.length,
                    heldBatches.size());

            List<DropoutStudy.Result> results;
            try (Progress bar = Progress.start("alignment calls", (long) ruleList.size() * betas.length * alignCalls, quiet)) {
                results = DropoutStudy.run(ck.weights(), adapter, betas, ruleList, lora, pub::next, heldBatches, align, alignCalls, seed,
                        new DropoutStudy.Listener() {
                            @Override
                            public void alignCall(Split split, int call, Alignment.Result r) {
                                bar.step();
                                bar.status(String.format(Locale.ROOT, "%s β=%.2f NMSE %.4f", split.method().label(), split.drop(), r.nmse()));
                            }

                            @Override
                            public void done(DropoutStudy.Result r) {
                                err.printf(Locale.ROOT, "%s β=%.2f keeps %s: output NMSE %.4f -> %.4f, KL %.4f -> %.4f%n",
                                        r.rule().label(), r.beta(), Arrays.toString(r.split().kept()), r.before().outputNmse(),
                                        r.after().outputNmse(), r.before().outputKl(), r.after().outputKl());
                                err.flush();
                            }
                        });
            }
            List<LayerTable.Group> groups = new ArrayList<>();
            for (DropoutStudy.Result r : results)
                groups.add(EmulatorLayers.group(groupName(r.rule(), r.beta()), List.of(r.before()), List.of(r.after())));
            String before = "before", after = "after " + alignCalls + "×" + alignSteps;
            String table = LayerTable.markdown(groups, before, after);
            Files.createDirectories(out);
            String md = String.format(Locale.ROOT, "# Layer dropout study%n%nModel %s (%d layers), held-out rows of %s: %d; "
                            + "alignment %d calls × %d steps, lr %s, λ %s, %s NMSE, batch %d, seed %d, FedBiOT adapter %d.%n%n",
                    model.getFileName(), ck.config().nLayers(), data.getFileName(), held.length, alignCalls, alignSteps, lr, lambda,
                    layerwise ? "layer-wise" : "output", batch, seed, adapter)
                    + table + "\n![per-layer NMSE and KL before and after alignment](dropout.png)\n";
            Path mdFile = out.resolve("dropout.md"), csv = out.resolve("dropout.csv"), png = out.resolve("dropout.png");
            writeAtomically(mdFile, md);
            writeAtomically(csv, LayerTable.csv(groups));
            LayerPlot.write(groups, before, after, png);
            stdout.print(table);
            stdout.println();
            stdout.println("wrote " + mdFile + ", " + csv + ", " + png);
            stdout.flush();
            return 0;
        }
    }

    static String groupName(Method rule, double beta) {
        return String.format(Locale.ROOT, "%s β=%s", rule.label(), stripZeros(beta));
    }

    private static String stripZeros(double v) {
        return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    private static void positive(String name, int v) {
        if (v < 1) throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        AtomicFiles.write(target, o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
