package io.fedbiot.report;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.Console;
import java.io.PrintStream;

/**
 * Progress of rounds, steps or evaluation on stderr, with ETA. Quiet is a no-op. On a terminal it
 * is a redrawn bar; without one (CI, redirected stderr) a plain line every 10 seconds. Neither
 * asks JLine for the terminal (the bar's width is fixed), so nothing probes or blocks on a missing TTY.
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar; // null when quiet
    private long done;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A progress display of {@code total} units named {@code task}; a no-op when {@code quiet}. */
    public static Progress start(String task, long total, boolean quiet) {
        return start(task, total, quiet, System.err, interactive());
    }

    static Progress start(String task, long total, boolean quiet, PrintStream err, boolean terminal) {
        if (quiet) return new Progress(null);
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(0, total))
                .setStyle(ProgressBarStyle.ASCII).showSpeed();
        if (terminal) {
            b.setConsumer(new ConsoleProgressBarConsumer(err, width())).setUpdateIntervalMillis(500);
        } else {
            b.setConsumer(new DelegatingProgressBarConsumer(err::println, 100)).setUpdateIntervalMillis(10_000);
        }
        try {
            return new Progress(b.build());
        } catch (RuntimeException e) {
            return new Progress(null); // progress display must never stop a run
        }
    }

    /** Whether stderr's process has a terminal (JDK 22+: System.console() is non-null even when redirected). */
    static boolean interactive() {
        Console c = System.console();
        return c != null && c.isTerminal() && System.getenv("CI") == null;
    }

    private static int width() {
        try {
            int w = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100").strip());
            return Math.max(40, w);
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    public void step() {
        stepBy(1);
    }

    public void stepBy(long n) {
        done += n;
        if (bar != null) bar.stepBy(n);
    }

    /** A short status after the bar, e.g. the last loss. */
    public void status(String text) {
        if (bar != null) bar.setExtraMessage(text);
    }

    public long current() {
        return done;
    }

    public boolean quiet() {
        return bar == null;
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
