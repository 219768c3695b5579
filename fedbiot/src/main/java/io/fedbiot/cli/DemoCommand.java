package io.fedbiot.cli;

import io.fedbiot.demo.Demo;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.Backend;
import io.fedbiot.method.Experiment;
import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.method.ExperimentConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code fedbiot demo}: the whole method offline, from a generated corpus to the results table. */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Generates a corpus and exact-match tasks, pretrains a small 12-layer LLaMA on the corpus (cached, "
                + "on the chosen backend), runs FedBiOT (a=2 and a=4), FedOT, Offsite-Tuning and FedLoRA with one task family "
                + "per client, prints the table (layers kept and dropped, what a client holds and moves, exact match) and "
                + "writes report.md. No network, no files from outside the repository.")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--quick", description = "A miniature run of the same path (seconds; the numbers mean nothing).")
    boolean quick;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key of the written experiment YAML, e.g. --set rounds=5.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Mixin
    BackendChoice backend = new BackendChoice(); // pretraining's and the federated runs' kernels

    /**
     * The --set overrides bound over a stand-in of the demo's config, so that a typo or a bad
     * value is refused now, not after minutes of pretraining.
     */
    static void checkOverrides(List<String> sets) throws IOException {
        if (sets.isEmpty()) return;
        Path probe = Files.createTempFile("fedbiot-demo-set", ".yaml");
        try {
            Files.writeString(probe, Demo.standIn(probe.resolveSibling("fedbiot-demo-probe")));
            ExperimentConfig.load(probe, sets);
        } catch (ExperimentConfigException e) {
            throw new UserError("--set: " + String.join("; ", e.problems()), e);
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    /** "times: data and pretraining 212 s, FedBiOT 40 s, ...": each method from the end of the one before (the first from the experiment's start). */
    static String phases(double prepare, boolean cached, long start, Map<String, Long> lastRoundAt) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "times: data and %s %.0f s", cached ? "cached model" : "pretraining", prepare));
        long from = start;
        for (var e : lastRoundAt.entrySet()) {
            s.append(String.format(Locale.ROOT, ", %s %.0f s", e.getKey(), (e.getValue() - from) / 1e9));
            from = e.getValue();
        }
        return s.toString();
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        backend.checkName();
        checkOverrides(sets);
        OutputFolder.writable(out, "--out");
        Backend be = backend.backend(); // after the input checks, before pretraining: an unavailable backend is known now
        long p0 = System.nanoTime();
        Demo.Plan plan = Demo.prepare(out, quick ? Demo.Scale.quick() : Demo.Scale.full(), be, quiet, line -> {
            err.println(line);
            err.flush();
        });
        double prepare = (System.nanoTime() - p0) / 1e9;
        Experiment exp = Experiment.fromYaml(plan.yaml(), sets).onBackend(be);
        Map<String, Long> lastRoundAt = new LinkedHashMap<>(); // per method: when its last round ended (evaluation included)
        long e0 = System.nanoTime();
        Experiment.Result r = RunCommand.execute(exp, quiet, err, rec -> lastRoundAt.put(rec.method(), System.nanoTime()));
        LlamaConfig model;
        try (Checkpoint ck = Checkpoint.load(plan.model())) {
            model = ck.config();
        }
        String table = Demo.table(r, exp.config(), model);
        Demo.addToReport(r.report(), table);
        stdout.print(table);
        stdout.println(phases(prepare, plan.cached(), e0, lastRoundAt));
        stdout.printf(Locale.ROOT, "report: %s (%.0f s in all)%n", r.report(), (System.nanoTime() - t0) / 1e9);
        stdout.flush();
        return 0;
    }
}
