package io.fedbiot.benchmarks;

import io.fedbiot.engine.Losses;
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
import io.fedbiot.kernels.Backends;
import org.openjdk.jmh.annotations.*;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One training step (forward, backward, AdamW) of a LLaMA with random weights, B x T tokens:
 * full training, LoRA on the last two layers only (the FedBiOT client's case), and the
 * inference forward alone. Tokens/s = B*T / (seconds per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class TrainStepBenchmark {
    /** model shape:batch:sequence */
    @Param({"stories15M:8:256", "stories260K:8:512"})
    public String shape;

    @Param({"full", "lora2", "forward"})
    public String mode;

    /** java, or cuda on a GPU: {@code -p backend=cuda -p shape=tinyllama1.1B:4:2048 -p mode=full}. */
    @Param({"java"})
    public String backend;

    /** f32, or bf16 (cuda, modes lora2/forward): the frozen linear weights stored in bf16 on the GPU. */
    @Param({"f32"})
    public String base;

    private Arena arena;
    private LlamaModel model;
    private AdamW opt;
    private List<Tensor> trainable;
    private Backend be;
    private int[] ids, targets;
    private int B, T;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split(":");
        LlamaConfig c = ModelShapes.byName(p[0]);
        B = Integer.parseInt(p[1]);
        T = Integer.parseInt(p[2]);
        be = Backends.byName(backend);
        arena = Arena.ofShared();
        LlamaWeights w = LlamaWeights.random(c, be, arena, 1);
        if (base.equals("bf16")) w = io.fedbiot.engine.model.DeviceWeights.toDevice(w, be, arena, true);
        model = LlamaModel.full(w);
        trainable = new ArrayList<>();
        if (mode.equals("full")) {
            for (Tensor t : w.toTensors().values()) trainable.add(t.requiresGrad(true));
        } else if (mode.equals("lora2")) {
            int L = c.nLayers();
            LoraSet lora = LoraSet.create(c, new LoraConfig(8, 16f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)),
                    new int[]{L - 2, L - 1}, be, arena, new Rng(2));
            model.attach(lora);
            trainable.add(lora.params().flat());
        }
        if (!trainable.isEmpty()) opt = new AdamW(trainable, arena, 1e-4f, 0.9f, 0.95f, 1e-8f, 0f);
        Random r = new Random(3);
        ids = r.ints(B * T, 0, c.vocabSize()).toArray();
        targets = r.ints(B * T, 0, c.vocabSize()).toArray();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float step() throws Exception {
        try (var s = StepScope.open()) {
            Tensor idT = Tensor.ofInts(be, ids, B, T);
            if (opt == null) {
                try (var ng = Autograd.noGrad()) {
                    return model.forward(idT).toFloatArray()[0];
                }
            }
            Tensor loss = Losses.crossEntropy(model.forward(idT), Tensor.ofInts(be, targets, B, T), null);
            Autograd.backward(loss);
            opt.step();
            opt.zeroGrad();
            return loss.item();
        }
    }
}
