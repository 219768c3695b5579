package io.fedbiot.benchmarks;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The benchmarks jar's main: JMH's command line, plus the project's JVM flags (from the parent
 * POM via the filtered jvm.properties) appended to every fork, so a plain {@code java -jar} works.
 * After a run it prints GFLOP/s for GEMM results.
 */
public final class BenchMain {
    private BenchMain() {}

    /** Used when the resource was not filtered (e.g. run from an IDE). */
    private static final String FALLBACK_FLAGS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

    public static void main(String[] args) throws Exception {
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("Error parsing command line: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (cmd.shouldHelp() || cmd.shouldList() || cmd.shouldListWithParams()
                || cmd.shouldListProfilers() || cmd.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args); // JMH's own help and listings
            return;
        }
        List<String> append = new ArrayList<>(cmd.getJvmArgsAppend().orElse(List.of()));
        append.addAll(jvmFlags());
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(cmd)
                .jvmArgsAppend(append.toArray(String[]::new)).build()).run();
        printGflops(results);
    }

    static List<String> jvmFlags() throws IOException {
        Properties p = new Properties();
        try (InputStream in = BenchMain.class.getResourceAsStream("jvm.properties")) {
            if (in != null) p.load(in);
        }
        String flags = p.getProperty("jvm.flags", "").trim();
        if (flags.isEmpty() || flags.contains("${")) flags = FALLBACK_FLAGS;
        return List.of(flags.split("\\s+"));
    }

    private static void printGflops(Collection<RunResult> results) {
        boolean header = false;
        for (RunResult r : results) {
            var params = r.getParams();
            if (!params.getBenchmark().contains("GemmBenchmark")) continue;
            String shape = params.getParam("shape");
            double flops = GemmBenchmark.Gemm.parse(shape).flops();
            var score = r.getPrimaryResult();
            double seconds = score.getScore() * secondsPer(params.getTimeUnit());
            if (params.getMode() != org.openjdk.jmh.annotations.Mode.AverageTime
                    && params.getMode() != org.openjdk.jmh.annotations.Mode.SingleShotTime) continue;
            if (!header) {
                System.out.printf("%nGEMM GFLOP/s (2*M*N*K / average time)%n%-10s %-22s %8s %12s %10s%n",
                        "backend", "shape", "threads", "ms/op", "GFLOP/s");
                header = true;
            }
            System.out.printf(Locale.ROOT, "%-10s %-22s %8s %12.3f %10.1f%n", params.getParam("backend"), shape, params.getParam("threads"),
                    seconds * 1e3, flops / seconds / 1e9);
        }
    }

    private static double secondsPer(TimeUnit unit) {
        return unit.toNanos(1) / 1e9;
    }
}
