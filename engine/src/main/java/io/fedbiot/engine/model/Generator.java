package io.fedbiot.engine.model;

import io.fedbiot.engine.StepScope;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation as llama2.c's {@code run} does it: {@code steps} counts positions
 * with the prompt included, the prompt is forced, generation stops early when the model produces
 * BOS (id {@code bos}). The prompt goes through the model in one forward (prefill); the tokens
 * chosen are those llama2.c's token-by-token loop chooses.
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
        int n = forced(prompt, limit, bos, out, onToken);
        if (n < prompt.length || limit < prompt.length) return Arrays.copyOf(out, n);   // stopped or cut inside the prompt
        try (Arena arena = Arena.ofShared()) {
            KvCache cache = model.newCache(limit, arena);
            int[] feed = prompt;
            int pos = 0;   // where feed[0] goes
            while (true) {
                int next;
                try (var step = StepScope.open()) {
                    next = sampler.sample(model.forwardCached(feed, pos, cache).toFloatArray());
                }
                if (next == bos) break;
                out[n++] = next;
                if (onToken != null) onToken.accept(next);
                pos += feed.length;
                if (pos >= limit) break;
                feed = new int[]{next};
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Copies the prompt tokens the loop would force at positions 0..limit-1 into out, stopping
     * before a {@code bos} inside the prompt; returns how many tokens out holds.
     */
    static int forced(int[] prompt, int limit, int bos, int[] out, IntConsumer onToken) {
        out[0] = prompt[0];
        int n = 1;
        for (int i = 1; i < prompt.length && i <= limit; i++) {
            if (prompt[i] == bos) return n;
            out[n++] = prompt[i];
            if (onToken != null) onToken.accept(prompt[i]);
        }
        return n;
    }
}
