package io.fedbiot.benchmarks;

import io.fedbiot.engine.model.ModelShapes;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.model.KvCache;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.kernels.Backends;
import org.openjdk.jmh.annotations.*;

import java.lang.foreign.Arena;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Prefill: a 256-token prompt in one cached forward (what Generator does before decoding), into a
 * KV cache reused across runs (position 0 overwrites it). The {@code tokens} counter is prompt
 * tokens/s; the primary score is prompts/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class PrefillBenchmark {
    static final int PROMPT = 256;

    @Param({"stories15M", "stories260K"})
    public String shape;

    /** java, native, auto (see Backends.byName). */
    @Param({"native", "java"})
    public String backend;

    private Arena arena;
    private LlamaModel model;
    private KvCache cache;
    private int[] prompt;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public long tokens;
    }

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        model = LlamaModel.full(LlamaWeights.random(ModelShapes.byName(shape), Backends.byName(backend), arena, 1));
        cache = model.newCache(PROMPT, arena);
        prompt = new Random(3).ints(PROMPT, 0, model.config().vocabSize()).toArray();
        prompt[0] = 1;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** The last position's logits, copied to the host as generation would (and so the work is not dead). */
    @Benchmark
    public float prefill(Tokens t) {
        try (var s = StepScope.open()) {
            float[] logits = model.forwardCached(prompt, 0, cache).toFloatArray();
            t.tokens += PROMPT;
            return logits[0];
        }
    }
}
