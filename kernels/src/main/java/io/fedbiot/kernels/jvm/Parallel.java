package io.fedbiot.kernels.jvm;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * A fixed pool sized to the cores; {@link #forRange} splits [0, n) into contiguous chunks, one
 * per thread, and waits. Calls from inside the pool run inline (no nested parallelism).
 */
public final class Parallel {
    @FunctionalInterface
    public interface RangeBody {
        void run(int lo, int hi);
    }

    private final ForkJoinPool pool;
    private final int threads;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("fedbiot-kernel-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) in at most {@code threads} chunks; {@code minPerTask} is the smallest
     * chunk worth a task (work below it runs inline).
     */
    public void forRange(int n, int minPerTask, RangeBody body) {
        if (n <= 0) return;
        int tasks = Math.min(threads, Math.max(1, n / Math.max(1, minPerTask)));
        if (tasks == 1 || pool == null || Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool) {
            body.run(0, n);
            return;
        }
        RecursiveAction[] parts = new RecursiveAction[tasks];
        for (int i = 0; i < tasks; i++) {
            int lo = (int) ((long) n * i / tasks), hi = (int) ((long) n * (i + 1) / tasks);
            parts[i] = new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(lo, hi);
                }
            };
        }
        pool.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                invokeAll(parts);
            }
        });
    }
}
