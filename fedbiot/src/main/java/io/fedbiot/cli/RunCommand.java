package io.fedbiot.cli;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.method.Experiment;
import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.report.Progress;
import io.fedbiot.report.RoundRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fedbiot run}: one experiment from a YAML file, every method and seed it names. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Runs a federated experiment (FedBiOT and its baselines) from a YAML config; "
                + "writes rounds.csv, rounds.arrow, report.md and plots to its output folder.")
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Experiment YAML (see configs/example.yaml).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key, e.g. --set rounds=3 --set lora.rank=4.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Mixin
    BackendChoice backend = new BackendChoice();

    /** Runs {@code exp} with a bar over all its rounds and its log lines on {@code err}. */
    static Experiment.Result execute(Experiment exp, boolean quiet, PrintWriter err) throws IOException {
        return execute(exp, quiet, err, rec -> {});
    }

    /** The same, and {@code onRound} sees each round's record as it ends (the demo times its phases). */
    static Experiment.Result execute(Experiment exp, boolean quiet, PrintWriter err, java.util.function.Consumer<RoundRecord> onRound)
            throws IOException {
        var cfg = exp.config();
        long rounds = (long) cfg.rounds() * cfg.methods().size() * cfg.seeds().size();
        try (Progress bar = Progress.start("rounds", rounds, quiet)) {
            return exp.run(new Experiment.Listener() {
                @Override
                public void round(RoundRecord rec) {
                    onRound.accept(rec);
                    bar.step();
                    bar.status(rec.method() + " seed " + rec.seed() + " loss " + String.format("%.4f", rec.trainLoss()));
                }

                @Override
                public void log(String line) {
                    bar.above(() -> { // on a terminal: above the progress line, not after it
                        err.println(line);
                        err.flush();
                    });
                }
            });
        }
    }

    /** The files a config names exist and the model is of a format we read (cheap: no weights are read). */
    static void checkFiles(ExperimentConfig cfg) throws IOException {
        Checkpoint.detect(cfg.model());
        if (cfg.tokenizer() != null && !Files.isRegularFile(cfg.tokenizer())) throw new NoSuchFileException(cfg.tokenizer().toString());
        List<Path> data = new ArrayList<>(List.of(cfg.data().client().path()));
        if (cfg.data().publicSet() != null && cfg.data().publicSet().path() != null) data.add(cfg.data().publicSet().path());
        if (cfg.data().test() != null && cfg.data().test().path() != null) data.add(cfg.data().test().path());
        for (Path p : data) if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString());
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        backend.checkName();
        Experiment exp;
        try {
            exp = Experiment.fromYaml(config, sets);
            checkFiles(exp.config());
        } catch (IOException | IllegalArgumentException | IllegalStateException e) { // ExperimentConfigException names the file itself
            throw UserError.of(e);
        }
        OutputFolder.writable(exp.config().output(), "output");
        exp.onBackend(backend.deferred()); // auto is announced only once the model and data are read and checked
        Experiment.Result r = execute(exp, quiet, err);
        out.println("report: " + r.report());
        out.flush();
        return 0;
    }
}
