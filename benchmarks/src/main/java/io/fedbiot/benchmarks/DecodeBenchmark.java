package io.fedbiot.benchmarks;

import io.fedbiot.engine.model.ModelShapes;
import io.fedbiot.engine.model.BatchGenerator;
import io.fedbiot.engine.model.Generator;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.Sampler;
import io.fedbiot.kernels.Backends;
import org.openjdk.jmh.annotations.*;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Greedy decode, llama-bench tg128 style: 128 new tokens after BOS, one row ({@link Generator})
 * or 16 rows together ({@link BatchGenerator}). The {@code tokens} counter is new tokens/s over
 * all rows; the primary score is runs/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class DecodeBenchmark {
    static final int NEW_TOKENS = 128;

    @Param({"stories15M", "stories260K"})
    public String shape;

    /** java, native, auto (see Backends.byName). */
    @Param({"native", "java"})
    public String backend;

    @Param({"1", "16"})
    public int rows;

    private Arena arena;
    private LlamaModel model;
    private int[][] prompts;
    private int[] steps;

    /** New tokens made, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public long tokens;
    }

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        model = LlamaModel.full(LlamaWeights.random(ModelShapes.byName(shape), Backends.byName(backend), arena, 1));
        prompts = new int[rows][];
        Arrays.fill(prompts, new int[]{1});
        steps = new int[rows];
        Arrays.fill(steps, NEW_TOKENS);   // positions 0..127 from BOS: 128 new tokens
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Stop id -1: an emitted BOS does not end a row early, so every run makes rows x 128 tokens. */
    @Benchmark
    public int decode(Tokens t) {
        if (rows == 1) {
            int n = Generator.generate(model, prompts[0], NEW_TOKENS, new Sampler(0f, 1f, 0), -1, null).length - 1;
            t.tokens += n;
            return n;
        }
        int n = 0;
        for (int[] r : BatchGenerator.generate(model, prompts, steps, -1, rows)) n += r.length - 1;
        t.tokens += n;
        return n;
    }
}
