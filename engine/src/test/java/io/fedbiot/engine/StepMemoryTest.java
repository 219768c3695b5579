package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.optim.AdamW;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.randn;
import static org.junit.jupiter.api.Assertions.*;

/** Activations live in a per-step arena: a long training loop must not grow off-heap memory. */
class StepMemoryTest {
    static final int N = 256, C = 128, V = 64;

    @Test
    void thousandStepsDoNotGrowOffHeapMemory() throws IOException {
        Backend be = Backends.java();
        Random r = new Random(1);
        try (Arena params = Arena.ofShared()) {
            ParamSet ps = ParamSet.builder().add("w1", C, C).add("w2", C, C).add("norm", C).add("cls", V, C).build(be, params);
            new Rng(5).normal(ps.flat(), 0.05);
            ps.targets().forEach(p -> p.requiresGrad(true)); // this test owns them: trainable for good
            ps.get("norm").copyFrom(ones(C));
            AdamW opt = new AdamW(ps.asList(), params, 1e-3f, 0.9f, 0.95f, 1e-8f, 0f);
            float[] xData = randn(r, N * C, 1);
            int[] targets = r.ints(N, 0, V).toArray();

            long baseline = be.liveBytes();
            long stepBytes = 0, rssAt100 = 0;
            float first = 0, last = 0;
            for (int step = 0; step < 1000; step++) {
                try (var s = StepScope.open()) {
                    Tensor x = Tensor.of(be, xData, N, C);
                    Tensor h = Nn.swiglu(Linalg.linear(x, ps.get("w1")), Linalg.linear(x, ps.get("w2")));
                    Tensor logits = Linalg.linear(Nn.rmsnorm(h, ps.get("norm"), 1e-5f), ps.get("cls"));
                    Tensor loss = Losses.crossEntropy(logits, Tensor.ofInts(be, targets, N), null);
                    Autograd.backward(loss);
                    opt.step();
                    ps.zeroGrad();
                    if (step == 0) first = loss.item();
                    last = loss.item();
                    stepBytes = Math.max(stepBytes, be.liveBytes() - baseline);
                }
                // What the step used stays cached for the next one, and nothing else.
                assertEquals(baseline + StepScope.cachedBytes(), be.liveBytes(), "step " + step + " left memory behind");
                assertTrue(StepScope.cachedBytes() <= stepBytes, "the cache holds more than one step used");
                if (step == 100) rssAt100 = offHeapRss();
            }
            assertTrue(stepBytes > 1 << 20, "the step should allocate real activations, got " + stepBytes);
            StepScope.trimCache();
            assertEquals(baseline, be.liveBytes(), "trimCache must free every cached step buffer");
            assertTrue(last < first, "training should make progress: " + first + " -> " + last);
            long rssAt1000 = offHeapRss();
            if (rssAt100 > 0) {
                // A leak of the activations would add stepBytes * 900 (about a gigabyte).
                long growth = rssAt1000 - rssAt100;
                assertTrue(growth < 128L << 20, "resident memory outside the Java heap grew by " + growth + " bytes over 900 steps");
            }
        }
    }

    static float[] ones(int n) {
        float[] o = new float[n];
        java.util.Arrays.fill(o, 1f);
        return o;
    }

    /** Resident memory minus what the JVM has committed for its heap and non-heap pools (which G1 grows freely). */
    static long offHeapRss() throws IOException {
        long rss = rssBytes();
        if (rss == 0) return 0;
        var mem = java.lang.management.ManagementFactory.getMemoryMXBean();
        return rss - mem.getHeapMemoryUsage().getCommitted() - mem.getNonHeapMemoryUsage().getCommitted();
    }

    /** VmRSS from /proc, or 0 where there is none. */
    static long rssBytes() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return 0;
        for (String line : Files.readAllLines(status))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        return 0;
    }
}
