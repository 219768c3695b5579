package io.fedbiot.cli;

import io.fedbiot.demo.Demo;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code fedbiot demo}: the whole method offline, from a generated corpus to the results table. */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Generates a corpus and exact-match tasks, pretrains a small LLaMA on the corpus (cached), "
                + "runs FedBiOT, FedOT, Offsite-Tuning and FedLoRA with one task family per client, prints the "
                + "exact-match table and writes report.md. No network, no files from outside the repository.")
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
    BackendChoice backend = new BackendChoice(); // the federated runs' kernels

    /**
     * The --set overrides bound over a stand-in of the demo's config, so that a typo or a bad
     * value is refused now, not after minutes of pretraining.
     */
    static void checkOverrides(List<String> sets) throws IOException {
        if (sets.isEmpty()) return;
        Path probe = Files.createTempFile("fedbiot-demo-set", ".yaml");
        try {
            Files.writeString(probe, "model: demo.bin\ndata: {client: {path: c.jsonl, format: tasks}, public: {path: p.jsonl, format: tasks}}\n");
            ExperimentConfig.load(probe, sets);
        } catch (ExperimentConfigException e) {
            throw new UserError("--set: " + String.join("; ", e.problems()), e);
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        backend.checkName();
        checkOverrides(sets);
        OutputFolder.writable(out, "--out");
        Backend be = backend.backend(); // after the input checks, before pretraining: an unavailable backend is known now
        Demo.Plan plan = Demo.prepare(out, quick ? Demo.Scale.quick() : Demo.Scale.full(), quiet, line -> {
            err.println(line);
            err.flush();
        });
        Experiment.Result r = RunCommand.execute(Experiment.fromYaml(plan.yaml(), sets).onBackend(be), quiet, err);
        stdout.print(Demo.table(r));
        stdout.printf(Locale.ROOT, "report: %s (%.0f s in all)%n", r.report(), (System.nanoTime() - t0) / 1e9);
        stdout.flush();
        return 0;
    }
}
