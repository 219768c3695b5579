package io.fedbiot.method;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.DeviceWeights;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.cuda.CudaProbe;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * FedBiOT on stories260K with the base weights on the GPU against the same seeded run on the
 * Java backend: two rounds (the second aligns the emulator), client training, FedAvg, AdapEmu and
 * AdapFu evaluation. The backends sum in different orders, so they agree within tolerance, not
 * bit for bit. Skips, naming the probe's reason, where no GPU is usable.
 */
class CudaRoundTest {
    record Outcome(List<FederatedRun.RoundStats> stats, float[] adapter) {}

    static Outcome run(LlamaWeights base, int[] tokens) {
        Split split = Split.of(Method.FEDBIOT, 5, 1, 0.5);
        int n = tokens.length, cut = n * 4 / 5;
        List<FedClient> clients = new ArrayList<>();
        for (int k = 0; k < 3; k++) clients.add(new FedClient(k, TestData.windows(tokens, k * cut / 3, (k + 1) * cut / 3, 2, 24, 100 + k)));
        var eval = new FederatedRun.EvalData(List.of(TestData.fixed(tokens, cut, n, 1, 2, 24, 9)), TestData.fixed(tokens, cut, n, 1, 2, 24, 10));
        var s = new FederatedRun.Settings(Method.FEDBIOT, new LoraConfig(4, 8f, 0.05f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)), 2, 2,
                new ClientTrainer.Settings(3, 1e-3f, 0.9f, 0.95f, 0f, 0.01f),
                new Alignment.Settings(2, 1e-3f, 0.9f, 0.95f, 0f, 1f, false, true), 1, 1, 42);
        try (FederatedRun run = new FederatedRun(base, split, s, new InProcessTransport(clients), TestData.windows(tokens, 0, cut, 2, 24, 11), eval)) {
            List<FederatedRun.RoundStats> stats = run.run(null);
            return new Outcome(stats, run.adapter().params().flat().toFloatArray());
        }
    }

    @Test
    void fedbiotRoundsOnTheGpuMatchTheCpu() throws Exception {
        CudaProbe p = CudaProbe.get();
        assumeTrue(p.usable(), () -> "no usable GPU, the GPU FedBiOT round is skipped: " + p.reason());
        int[] tokens = TestData.storyTokens();
        try (Checkpoint ck = Checkpoint.load(TestData.shared("models/stories260K.bin")); Arena device = Arena.ofShared()) {
            LlamaWeights cpuBase = ck.weights();
            Backend cuda = Backends.cuda();
            LlamaWeights gpuBase = DeviceWeights.toDevice(cpuBase, cuda, device, false);   // weights stay on the device

            Outcome cpu = run(cpuBase, tokens), gpu = run(gpuBase, tokens);
            assertEquals(cpu.stats().size(), gpu.stats().size());
            for (int r = 0; r < cpu.stats().size(); r++) {
                var c = cpu.stats().get(r);
                var g = gpu.stats().get(r);
                assertArrayEquals(c.selected(), g.selected(), "round " + r + ": the same clients are sampled");
                assertEquals(c.clientLoss(), g.clientLoss(), 1e-3 * Math.abs(c.clientLoss()) + 1e-4, "round " + r + " client loss");
                assertEquals(0, g.nanSkipped(), "round " + r + ": no NaN step on the GPU");
                assertEquals((c.align() == null), (g.align() == null), "round " + r + " alignment ran on both");
                for (var e : c.eval().entrySet()) {
                    Double gv = g.eval().get(e.getKey());
                    assertNotNull(gv, "round " + r + " GPU eval lacks " + e.getKey());
                    assertEquals(e.getValue(), gv, 1e-3 * Math.abs(e.getValue()) + 1e-4, "round " + r + " " + e.getKey());
                }
            }
            assertTrue(cpu.stats().get(1).align() != null, "the second round aligns the emulator");
            double diff = 0, norm = 0;
            for (int i = 0; i < cpu.adapter().length; i++) {
                double d = gpu.adapter()[i] - cpu.adapter()[i];
                diff += d * d;
                norm += (double) cpu.adapter()[i] * cpu.adapter()[i];
            }
            assertTrue(Math.sqrt(diff) <= 1e-2 * Math.sqrt(norm), "adapter differs by " + Math.sqrt(diff / norm) + " (relative L2)");
        }
    }
}
