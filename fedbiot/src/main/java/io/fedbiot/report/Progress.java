package io.fedbiot.report;

import java.io.Console;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress of rounds, steps or evaluation on stderr, one {@link ProgressLine}. Quiet is a no-op.
 * A daemon ticker draws it: on a terminal redrawn in place ({@code \r}) every 500 ms; without one
 * (CI, redirected stderr) a plain line every 10 s, only when something changed. The final state is
 * written exactly once, at close; the ticker never draws a finished count, so 100 % appears once. A
 * display closed before it counted or drew anything writes nothing.
 *
 * <p>Our own rather than me.tongfei:progressbar, which printed 100 % twice (its last tick and its
 * close), glued the rate to the status message, and pulled in JLine to probe the terminal.
 */
public final class Progress implements AutoCloseable {
    static final long TERMINAL_TICK_MS = 500, PLAIN_TICK_MS = 10_000;
    private static final int PLAIN_WIDTH = 200;

    /** Where lines go: {@code redraw} replaces the current one in place, {@code line} ends it. */
    interface Out {
        void redraw(String text);

        void line(String text);

        /** Runs {@code print} with the line in place blanked first and drawn again after. */
        default void around(Runnable print) {
            print.run();
        }
    }

    private final String task, unit;
    private final long total;
    private final LongSupplier clock; // nanoseconds
    private final Out out;            // null when quiet
    private final int width;
    private final boolean inPlace;
    private final long start;
    private final AtomicLong done = new AtomicLong();
    private volatile String status = "";
    private Thread ticker;
    private String lastDrawn;         // guarded by this
    private boolean closed;           // guarded by this

    private Progress(String task, String unit, long total, LongSupplier clock, Out out, int width, boolean inPlace) {
        this.task = task;
        this.unit = unit;
        this.total = Math.max(0, total);
        this.clock = clock;
        this.out = out;
        this.width = width;
        this.inPlace = inPlace;
        this.start = clock.getAsLong();
    }

    /** A progress display of {@code total} units named {@code task} (the unit: its last word); a no-op when {@code quiet}. */
    public static Progress start(String task, long total, boolean quiet) {
        return start(task, task.substring(task.lastIndexOf(' ') + 1), total, quiet);
    }

    /** As {@link #start(String, long, boolean)}, with the rate in {@code unit}s per second. */
    public static Progress start(String task, String unit, long total, boolean quiet) {
        return start(task, unit, total, quiet, System.err, interactive());
    }

    static Progress start(String task, String unit, long total, boolean quiet, PrintStream err, boolean terminal) {
        if (quiet) return new Progress(task, unit, total, System::nanoTime, null, 0, false);
        Progress p = terminal
                ? new Progress(task, unit, total, System::nanoTime, terminalOut(err), width(), true)
                : new Progress(task, unit, total, System::nanoTime, plainOut(err::println), PLAIN_WIDTH, false);
        p.startTicker(terminal ? TERMINAL_TICK_MS : PLAIN_TICK_MS);
        return p;
    }

    /** Without a ticker, for tests: lines go to {@code sink} as without a terminal, {@link #tick()} draws. */
    static Progress manual(String task, String unit, long total, LongSupplier clockNanos, Consumer<String> sink) {
        return new Progress(task, unit, total, clockNanos, plainOut(sink), PLAIN_WIDTH, false);
    }

    /** As on a terminal, without a ticker, for tests. */
    static Progress manualTerminal(String task, String unit, long total, LongSupplier clockNanos, PrintStream err, int width) {
        return new Progress(task, unit, total, clockNanos, terminalOut(err), width, true);
    }

    private static Out plainOut(Consumer<String> sink) {
        return new Out() {
            @Override
            public void redraw(String text) {
                sink.accept(text);
            }

            @Override
            public void line(String text) {
                sink.accept(text);
            }
        };
    }

    private static Out terminalOut(PrintStream err) {
        return new Out() {
            private int shown; // characters on the line now, blanked by a shorter redraw
            private String last;

            @Override
            public void redraw(String text) {
                err.print("\r" + text + " ".repeat(Math.max(0, shown - text.length())));
                err.flush();
                shown = text.length();
                last = text;
            }

            @Override
            public void around(Runnable print) {
                if (shown == 0) {
                    print.run();
                    return;
                }
                err.print("\r" + " ".repeat(shown) + "\r");
                err.flush();
                shown = 0;
                print.run();
                redraw(last);
            }

            @Override
            public void line(String text) {
                redraw(text);
                err.print('\n');
                err.flush();
                shown = 0;
                last = null;
            }
        };
    }

    /** Whether stderr's process has a terminal (JDK 22+: System.console() is non-null even when redirected). */
    static boolean interactive() {
        Console c = System.console();
        return c != null && c.isTerminal() && System.getenv("CI") == null;
    }

    private static int width() {
        try {
            int w = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100").strip());
            return Math.max(40, w - 1); // the last column would wrap on some terminals
        } catch (NumberFormatException e) {
            return 99;
        }
    }

    private void startTicker(long everyMs) {
        ticker = Thread.ofPlatform().daemon().name("progress-" + task).start(() -> {
            try {
                while (true) {
                    TimeUnit.MILLISECONDS.sleep(everyMs);
                    tick();
                }
            } catch (InterruptedException stop) { // closed
            }
        });
    }

    /** Draws the current state unless it is finished (close draws that) or, in plain lines, unchanged. */
    synchronized void tick() {
        if (closed || out == null) return;
        long d = done.get();
        if (total > 0 && d >= total) return;
        String key = d + "\u0000" + status;
        if (!inPlace && key.equals(lastDrawn)) return;
        lastDrawn = key;
        out.redraw(line(d).format(width));
    }

    private ProgressLine line(long d) {
        return new ProgressLine(task, unit, d, total, (clock.getAsLong() - start) / 1e9, status);
    }

    public void step() {
        stepBy(1);
    }

    public void stepBy(long n) {
        done.addAndGet(n);
    }

    /**
     * Runs {@code print}, which writes whole lines to the same stream (a log line), so that on a
     * terminal they land above the progress line rather than glued to its end.
     */
    public void above(Runnable print) {
        if (out == null) {
            print.run();
            return;
        }
        synchronized (this) {
            if (closed) print.run();
            else out.around(print);
        }
    }

    /** A short status after the counts, rate and ETA, e.g. the last loss. */
    public void status(String text) {
        status = text == null ? "" : text;
    }

    public long current() {
        return done.get();
    }

    public boolean quiet() {
        return out == null;
    }

    /** Stops the ticker and writes the final state, once (nothing if it never counted or drew anything). */
    @Override
    public void close() {
        Thread t = ticker;
        if (t != null) t.interrupt();
        synchronized (this) {
            if (closed || out == null) {
                closed = true;
                return;
            }
            closed = true;
            // Counted nothing and showed nothing (e.g. a run that failed on its input): stay silent.
            if (done.get() == 0 && lastDrawn == null) return;
            out.line(line(done.get()).format(width));
        }
    }
}
