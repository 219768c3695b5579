package io.fedbiot.benchmarks;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.ProfilingBackend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times training steps without JMH, one configuration per process so the peak RSS belongs to it:
 * {@code StepRunner SHAPE MODE BACKEND [STEPS] [--profile]}, e.g. {@code stories15M:8:256 full native 5}.
 * Prints one line {@code key=value ...}: median and best tokens/s, peak RSS (VmHWM), the RSS
 * before the model existed, and the analytic bytes; with --profile, a per-op table of kernel
 * time (the step run through {@link ProfilingBackend}) follows on stderr.
 */
public final class StepRunner {
    private StepRunner() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: StepRunner SHAPE MODE BACKEND [STEPS] [--profile]");
            System.exit(2);
        }
        int steps = args.length > 3 && !args[3].startsWith("--") ? Integer.parseInt(args[3]) : 5;
        boolean profile = Arrays.asList(args).contains("--profile");
        Backend be = Backends.byName(args[2]);
        ProfilingBackend prof = profile ? new ProfilingBackend(be) : null;
        long rss0 = status("VmRSS");
        try (TrainStep step = new TrainStep(args[0], args[1], prof != null ? prof : be)) {
            step.run();   // warm-up: JIT, pools, first-touch of the activations
            step.run();
            // The random initialisation left its float[] garbage on the heap and the JIT its
            // compiler arenas: collect, then restart the high-water mark for the timed steps.
            System.gc();
            Thread.sleep(1000);   // G1 gives the freed heap back concurrently, after the collection
            resetPeak();
            if (prof != null) prof.reset();
            double[] sec = new double[steps];
            float loss = 0;
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                loss = step.run();
                sec[i] = (System.nanoTime() - t0) / 1e9;
            }
            double[] sorted = sec.clone();
            Arrays.sort(sorted);
            double median = sorted[steps / 2], best = sorted[0];
            System.out.printf(Locale.ROOT,
                    "shape=%s mode=%s backend=%s threads=%d steps=%d median_ms=%.1f best_ms=%.1f tok_s=%.0f best_tok_s=%.0f "
                            + "peak_rss_mb=%.1f base_rss_mb=%.1f analytic_mb=%.1f pool_peak_mb=%.1f pool_held_mb=%.1f loss=%.4f%n",
                    args[0], args[1], be.name(), be.threads(), steps, median * 1e3, best * 1e3, step.tokens() / median,
                    step.tokens() / best, status("VmHWM") / 1048576.0, rss0 / 1048576.0, step.analyticBytes() / 1048576.0,
                    step.poolPeakBytes() / 1048576.0, step.poolHeldBytes() / 1048576.0, loss);
            if (prof != null) prof.print(System.err, steps);
        }
    }

    /** Restarts VmHWM at the current RSS (Linux >= 4.0; ignored where /proc/self/clear_refs is missing). */
    static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            System.err.println("cannot reset the peak RSS (" + e.getMessage() + "): it includes the set-up");
        }
    }

    /** A /proc/self/status field in bytes (0 where there is no /proc). */
    static long status(String field) throws IOException {
        Path p = Path.of("/proc/self/status");
        if (!Files.isReadable(p)) return 0;
        for (String line : Files.readAllLines(p))
            if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        return 0;
    }
}
