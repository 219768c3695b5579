package io.fedbiot.engine.model;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.SharedData;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.kernels.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Prefilled and batched greedy generation on stories260K give the tokens of llama2.c's loop (every
 * prompt token fed alone, written out here as the reference), with and without a LoRA set, for
 * several batch sizes, prompts of different lengths and step limits, and rows that stop early.
 */
class BatchGeneratorTest {
    static final String[] TEXTS = {"Once upon a time", "The dog", "Lily saw a big red ball in the park. She",
            "One day, Tom went to the", "Sam", "The sun was hot and the birds sang. A little girl named Sue wanted to",
            "Mom said", "There was a cat who liked to sleep. Every day it", "Ben and Mia played with", "It was",
            "A big bird", "The little boy was sad because his toy"};
    static Checkpoint ck;
    static Tokenizer tok;
    static int[][] prompts;
    static int[] steps;

    @BeforeAll
    static void load() throws Exception {
        ck = Checkpoint.load(SharedData.model("stories260K.bin"));
        tok = Tokenizers.loadLlama2c(SharedData.model("tok512.bin"), ck.config().vocabSize());
        prompts = new int[TEXTS.length][];
        steps = new int[TEXTS.length];
        for (int i = 0; i < TEXTS.length; i++) {
            prompts[i] = tok.encode(TEXTS[i], true, false);
            steps[i] = prompts[i].length + 8 + 7 * (i % 5);   // limits differ, so rows leave at different steps
        }
    }

    @AfterAll
    static void close() {
        ck.close();
    }

    /** The loop Generator ran before prefill: one forward per position, the prompt forced token by token. */
    static int[] tokenByToken(LlamaModel model, int[] prompt, int steps, int stop) {
        int limit = Math.min(steps, model.config().maxSeqLen());
        int[] out = new int[Math.max(limit + 1, prompt.length)];
        int n = 0;
        out[n++] = prompt[0];
        try (Arena arena = Arena.ofShared()) {
            KvCache cache = model.newCache(limit, arena);
            int token = prompt[0];
            for (int pos = 0; pos < limit; pos++) {
                int next;
                try (var s = StepScope.open()) {
                    float[] logits = model.forwardCached(new int[]{token}, pos, cache).toFloatArray();
                    next = pos + 1 < prompt.length ? prompt[pos + 1] : Sampler.argmax(logits);
                }
                if (next == stop) break;
                out[n++] = next;
                token = next;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    static Stream<Backend> backends() {
        return BatchedForwardTest.backends().stream();
    }

    /** The full model on be, with a LoRA set (nonzero B on layers 1 and 3) when asked. */
    static LlamaModel model(Backend be, boolean lora, Arena a) {
        LlamaModel m = LlamaModel.full(ck.weights().on(be, a));
        if (lora) {
            LoraSet set = LoraSet.create(ck.config(), new LoraConfig(4, 8f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV, LoraTarget.W2)),
                    new int[]{1, 3}, ck.weights().tokEmbeddings().backend(), a, new Rng(3));
            new Rng(4).normal(set.params().flat(), 0.05);
            m.attach(set.on(be, a));
        }
        return m;
    }

    static void assertSameTokens(LlamaModel m, int stop, String what) {
        int[][] ref = new int[prompts.length][];
        int early = 0;
        for (int r = 0; r < prompts.length; r++) {
            ref[r] = tokenByToken(m, prompts[r], steps[r], stop);
            if (ref[r].length < steps[r] + 1) early++;
            assertArrayEquals(ref[r], Generator.generate(m, prompts[r], steps[r], new Sampler(0f, 1f, 0), stop, null),
                    what + ": prefilled generation of prompt " + r);
        }
        for (int batch : new int[]{1, 3, 8, 32}) {
            int[][] out = BatchGenerator.generate(m, prompts, steps, stop, batch);
            for (int r = 0; r < prompts.length; r++)
                assertArrayEquals(ref[r], out[r], what + ": batch " + batch + ", prompt " + r);
        }
        if (stop != 1) assertTrue(early > 0 && early < prompts.length, what + ": " + early + " rows stopped early, want some but not all");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void batchedGreedyTokensAreTheTokenByTokenOnes(Backend be) {
        try (Arena a = Arena.ofShared()) {
            LlamaModel m = model(be, false, a);
            assertSameTokens(m, 1, be.name() + " stop at BOS");
            int period = tok.encode(".", false, false)[0];   // frequent: rows stop at their first sentence end
            assertSameTokens(m, period, be.name() + " stop at '.'");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void batchedGreedyTokensAreTheTokenByTokenOnesWithLora(Backend be) {
        try (Arena a = Arena.ofShared()) {
            LlamaModel m = model(be, true, a);
            assertSameTokens(m, tok.encode(".", false, false)[0], be.name() + " LoRA, stop at '.'");
        }
    }

    @Test
    void promptsCutByTheirLimitOrHoldingTheStopIdStopThere() {
        LlamaModel m = LlamaModel.full(ck.weights());
        int[] p = prompts[2];
        int[][] cases = {{p.length - 3}, {p.length - 1}, {p.length}, {0}};
        for (int[] c : cases) {
            int[] ref = tokenByToken(m, p, c[0], 1);
            assertArrayEquals(ref, Generator.generate(m, p, c[0], new Sampler(0f, 1f, 0), 1, null), "steps " + c[0]);
            assertArrayEquals(ref, BatchGenerator.generate(m, new int[][]{p, prompts[0]}, new int[]{c[0], 20}, 1, 2)[0], "steps " + c[0]);
        }
        int stop = p[4];   // a prompt token: the loop stops on it while still forcing the prompt
        int[] ref = tokenByToken(m, p, p.length + 10, stop);
        assertEquals(4, ref.length);
        assertArrayEquals(ref, BatchGenerator.generate(m, new int[][]{p}, new int[]{p.length + 10}, stop, 4)[0]);
        assertThrows(IllegalArgumentException.class, () -> BatchGenerator.generate(m, new int[][]{{}}, new int[]{4}, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> BatchGenerator.generate(m, new int[][]{p}, new int[]{4, 5}, 1, 2));
    }

}
