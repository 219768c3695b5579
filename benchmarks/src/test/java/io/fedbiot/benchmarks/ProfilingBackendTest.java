package io.fedbiot.benchmarks;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.ProfilingBackend;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-op profile of a training step must not change the step: the same losses, bit for bit,
 * as the backend it wraps (a forwarding mistake, such as two swapped buffers, would show), and
 * every op the step runs appears in the table.
 */
class ProfilingBackendTest {
    private static float[] losses(String mode, Backend be, int steps) {
        try (TrainStep step = new TrainStep("stories260K:2:16", mode, be)) {
            float[] l = new float[steps];
            for (int i = 0; i < steps; i++) l[i] = step.run();
            return l;
        }
    }

    @Test
    void profiledStepsEqualThePlainBackendAndNameTheirOps() {
        for (String mode : new String[]{"lora2", "full"}) {
            Backend plain = Backends.java();
            ProfilingBackend prof = new ProfilingBackend(plain);
            float[] want = losses(mode, plain, 3), got = losses(mode, prof, 3);
            assertArrayEquals(want, got, mode + ": profiling changed the losses");
            assertTrue(Float.isFinite(want[2]) && want[2] != want[0], mode + ": the steps train (" + want[0] + " -> " + want[2] + ")");
            for (String op : new String[]{"gemm", "embeddingForward", "rmsnormForward", "rmsnormBackward", "ropeForward",
                    "ropeBackward", "attentionForward", "attentionBackward", "swigluForward", "linearCrossEntropy", "adamw"})
                assertTrue(prof.calls(op) > 0, mode + ": no " + op + " in the profile");
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            prof.print(new PrintStream(buf, true, StandardCharsets.UTF_8), 3);
            String table = buf.toString(StandardCharsets.UTF_8);
            assertTrue(table.contains("attentionBackward") && table.contains("gemm"), table);
        }
    }
}
