package io.fedbiot.engine.model;

import io.fedbiot.engine.StepScope;

import java.lang.foreign.Arena;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation as llama2.c's {@code run} does it: {@code steps} counts positions
 * with the prompt included, the prompt is forced token by token, generation stops early when
 * the model produces BOS (id {@code bos}).
 */
public final class Generator {
    private Generator() {}

    /**
     * Runs the model at positions 0..steps-1, each choosing the token after it (forced while
     * inside the prompt), and reports each chosen token to {@code onToken}; returns every token,
     * the first prompt token included.
     */
    public static int[] generate(LlamaModel model, int[] prompt, int steps, Sampler sampler, int bos, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt needs at least one token (BOS)");
        int limit = Math.min(steps, model.config().maxSeqLen());
        int[] out = new int[Math.max(limit + 1, prompt.length)];
        int n = 0;
        out[n++] = prompt[0];
        try (Arena arena = Arena.ofShared()) {
            KvCache cache = model.newCache(limit, arena);
            int token = prompt[0];
            for (int pos = 0; pos < limit; pos++) {
                int next;
                try (var step = StepScope.open()) {
                    float[] logits = model.forwardCached(new int[]{token}, pos, cache).toFloatArray();
                    next = pos + 1 < prompt.length ? prompt[pos + 1] : sampler.sample(logits);
                }
                if (next == bos) break;
                out[n++] = next;
                if (onToken != null) onToken.accept(next);
                token = next;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
