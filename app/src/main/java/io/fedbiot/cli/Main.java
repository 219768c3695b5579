package io.fedbiot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fedbiot} command line. */
@Command(name = "fedbiot", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Federated fine-tuning of LLaMA-family models with FedBiOT, on a Java tensor engine.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
