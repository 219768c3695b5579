package io.fedbiot.benchmarks;

import io.fedbiot.engine.model.ModelShapes;
import io.fedbiot.engine.model.Generator;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.Sampler;
import io.fedbiot.kernels.Backends;
import org.openjdk.jmh.annotations.*;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/** Greedy generation with the KV cache, batch 1: tokens/s = 256 / (seconds per op). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class GenerateBenchmark {
    @Param({"stories15M", "stories260K"})
    public String shape;

    /** java, native, auto (see Backends.byName). */
    @Param({"java", "native"})
    public String backend;

    private Arena arena;
    private LlamaModel model;

    @Setup(Level.Trial)
    public void setup() {
        LlamaConfig c = ModelShapes.byName(shape);
        arena = Arena.ofShared();
        model = LlamaModel.full(LlamaWeights.random(c, Backends.byName(backend), arena, 1));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** 256 positions from BOS; stop id -1, so an emitted BOS does not end the run early. */
    @Benchmark
    public int generate256() {
        return Generator.generate(model, new int[]{1}, 256, new Sampler(0f, 1f, 0), -1, null).length;
    }
}
