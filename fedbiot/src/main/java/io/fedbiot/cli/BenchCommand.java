package io.fedbiot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code fedbiot bench}: a command group, one subcommand per workload; a new workload is one more
 * class in {@code subcommands} (its options from {@link BenchModelOptions}, its output from {@link BenchReport}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time a workload on a model and, with --profile, show where the time goes per kernel op.",
                "Subcommands: step (a training step), decode (greedy decode)."},
        subcommands = {BenchStepCommand.class, BenchDecodeCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
