package io.fedbiot.cli;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.engine.optim.AdamW;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.ProfilingBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code fedbiot bench step}: training steps on random token ids (loss through the fused
 * classifier, backward, AdamW), {@code full} (every weight) or {@code lora} (rank 8 on wq, wv of
 * the last two layers, as the benchmarks' lora2), or {@code forward} only. The same work as the
 * benchmarks' TrainStep, which the fedbiot module cannot see.
 */
@Command(name = "step", mixinStandardHelpOptions = true,
        description = "Time training steps (B x T random tokens) and, with --profile, each kernel op's share.")
public final class BenchStepCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BenchModelOptions model = new BenchModelOptions();

    @Mixin
    BackendChoice backend = new BackendChoice();

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "full", description = "full, lora or forward. Default: ${DEFAULT-VALUE}.")
    String mode = "full";

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8", description = "Sequences per step. Default: ${DEFAULT-VALUE}.")
    int batch = 8;

    @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per sequence. Default: 256, or the model's context if shorter.")
    Integer seq;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "3", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
    int steps = 3;

    @Option(names = "--warmup-runs", paramLabel = "N", defaultValue = "2", description = "Untimed steps first (JIT, pools). Default: ${DEFAULT-VALUE}.")
    int warmup = 2;

    @Override
    public Integer call() {
        if (!List.of("full", "lora", "forward").contains(mode)) throw new UserError("--mode must be full, lora or forward, got " + mode, null);
        if (batch < 1) throw new UserError("--batch-size must be >= 1, got " + batch, null);
        if (steps < 1) throw new UserError("--steps must be >= 1, got " + steps, null);
        if (warmup < 0) throw new UserError("--warmup-runs must be >= 0, got " + warmup, null);
        return model.run(backend, this::measure);
    }

    private int measure(LlamaConfig c) {
        int T = seq != null ? seq : Math.min(256, c.maxSeqLen());
        if (T < 1 || T > c.maxSeqLen()) throw new UserError("--seq-len must be in [1, " + c.maxSeqLen() + "] (the model's context), got " + T, null);
        if (mode.equals("lora") && c.nLayers() < 2) throw new UserError("--mode lora needs at least 2 layers, the model has " + c.nLayers(), null);
        Backend be = backend.backend();
        ProfilingBackend prof = model.profiler(be);
        Backend on = prof != null ? prof : be;
        try (Arena arena = Arena.ofShared()) {
            Step step = new Step(model.weights(on, arena), mode, batch, T, model.seed, on, arena);
            for (int i = 0; i < warmup; i++) step.run();
            if (prof != null) prof.reset();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) step.run();
            long wall = System.nanoTime() - t0;
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("mode", mode);
            settings.put("batch_size", batch);
            settings.put("seq_len", T);
            settings.put("steps", steps);
            BenchReport.of("step", model.label(), prof, be.name(), be.threads(), settings, (long) steps * batch * T, wall)
                    .print(spec.commandLine().getOut(), model.json);
        }
        return 0;
    }

    /** One configured training step; {@link #run} does one, inside its own step pool. */
    private static final class Step {
        final LlamaModel model;
        final AdamW opt;
        final Tensor ids, targets;

        Step(LlamaWeights w, String mode, int B, int T, long seed, Backend be, Arena arena) {
            LlamaConfig c = w.config();
            model = LlamaModel.full(w);
            List<Tensor> trainable = new ArrayList<>();
            if (mode.equals("full")) {
                for (Tensor t : w.toTensors().values()) trainable.add(t.requiresGrad(true));
            } else if (mode.equals("lora")) {
                int L = c.nLayers();
                LoraSet lora = LoraSet.create(c, new LoraConfig(8, 16f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)),
                        new int[]{L - 2, L - 1}, be, arena, new Rng(seed + 1));
                model.attach(lora);
                for (Tensor t : lora.params().targets()) t.requiresGrad(true);
                trainable.add(lora.params().flat());
            }
            opt = trainable.isEmpty() ? null : new AdamW(trainable, arena, 1e-4f, 0.9f, 0.95f, AdamW.EPS, 0f);
            Random r = new Random(seed + 2);
            ids = Tensor.ofInts(be, arena, r.ints((long) B * T, 0, c.vocabSize()).toArray(), B, T);
            targets = Tensor.ofInts(be, arena, r.ints((long) B * T, 0, c.vocabSize()).toArray(), B, T);
        }

        void run() {
            try (var s = StepScope.open()) {
                if (opt == null) {
                    try (var ng = Autograd.noGrad()) {
                        model.forward(ids);
                    }
                } else {
                    Tensor loss = model.loss(ids, targets, null);
                    Autograd.backward(loss);
                    opt.step();
                    opt.zeroGrad();
                    if (!Float.isFinite(loss.item())) throw new IllegalStateException("the loss is " + loss.item() + ": the step diverged");
                }
                model.backend().synchronize();
            }
        }
    }
}
