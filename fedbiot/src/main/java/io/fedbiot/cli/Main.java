package io.fedbiot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code fedbiot} command line. Exit codes, the same on every command: 0 success, 1 a
 * runtime failure, 2 a usage or input error ({@link CliErrors}); {@code --debug} adds the stack trace.
 */
@Command(name = "bin/fedbiot", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Federated fine-tuning of LLaMA-family models with FedBiOT, on a Java tensor engine.",
        subcommands = {CommandLine.HelpCommand.class, RunCommand.class, GenerateCommand.class, TokenizeCommand.class,
                InspectCommand.class, BenchCommand.class, DemoCommand.class, PretrainCommand.class, StudyDropoutCommand.class,
                ServerCommand.class, ClientCommand.class, HumanEvalCommand.class,
                MakeCheckpointCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, print its stack trace too (for a bug report).")
    boolean debug; // read from the parse result by CliErrors, whichever command it was given to

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI on System.out/err and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            return run(out, err, args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Runs the CLI writing usage, version and results to {@code out} and errors to {@code err}. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new Main()).setOut(out).setErr(err).setExecutionExceptionHandler(new CliErrors()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
