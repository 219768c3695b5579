package io.fedbiot.benchmarks;

import io.fedbiot.kernels.Backends;
import org.openjdk.jmh.annotations.*;

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

    /** java, native, auto, or cuda on a GPU: {@code -p backend=cuda -p shape=tinyllama1.1B:4:2048 -p mode=full}. */
    @Param({"java", "native"})
    public String backend;

    /** f32, or bf16 (cuda, modes lora2/forward): the frozen linear weights stored in bf16 on the GPU. */
    @Param({"f32"})
    public String base;

    private TrainStep step;

    @Setup(Level.Trial)
    public void setup() {
        step = new TrainStep(shape, mode, Backends.byName(backend), base.equals("bf16"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        step.close();
    }

    @Benchmark
    public float step() {
        return step.run();
    }
}
