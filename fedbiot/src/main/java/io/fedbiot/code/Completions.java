package io.fedbiot.code;

import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.model.KvCache;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.Sampler;
import io.fedbiot.engine.tokenizer.Tokenizer;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;

/**
 * A model's continuation of a HumanEval prompt, cut at the usual stop sequences (a new top-level
 * statement ends the function body). Generation stops as soon as one appears, at EOS/BOS, or
 * after {@code maxNewTokens}.
 */
public final class Completions {
    /** The stop sequences of the HumanEval paper's evaluation. */
    public static final List<String> STOP = List.of("\ndef", "\nclass", "\nif", "\nprint", "\n#");

    private Completions() {}

    /** {@code text} up to (not including) its first stop sequence. */
    public static String truncate(String text) {
        int cut = text.length();
        for (String s : STOP) {
            int at = text.indexOf(s);
            if (at >= 0) cut = Math.min(cut, at);
        }
        return text.substring(0, cut);
    }

    /**
     * The prompt's tokens with BOS, keeping BOS and the last tokens when prompt plus
     * {@code maxNewTokens} would pass the model's context (small models have short contexts;
     * the function signature and docstring are at the end, so the tail is what matters).
     */
    public static int[] promptTokens(Tokenizer tok, String prompt, int context, int maxNewTokens) {
        int[] ids = tok.encode(prompt, true, false);
        int room = context - maxNewTokens;
        if (room < 2) throw new IllegalArgumentException("max_new_tokens " + maxNewTokens + " leaves no room for a prompt in the model's context " + context);
        if (ids.length <= room) return ids;
        int[] out = new int[room];
        out[0] = ids[0];
        System.arraycopy(ids, ids.length - (room - 1), out, 1, room - 1);
        return out;
    }

    /** Greedy when the temperature is 0, else sample s of problem p drawn with seed + 1000003·p + s. */
    public static HumanEvalRun.Completer of(LlamaModel model, Tokenizer tok, HumanEvalRun.Settings settings) {
        return (problem, p, s) -> complete(model, tok, problem.prompt(),
                new Sampler((float) settings.temperature(), 1f, settings.seed() + 1_000_003L * p + s), settings.maxNewTokens());
    }

    /** One completion of {@code prompt}, already truncated at the stop sequences. */
    public static String complete(LlamaModel model, Tokenizer tok, String prompt, Sampler sampler, int maxNewTokens) {
        int context = model.config().maxSeqLen();
        int[] ids = promptTokens(tok, prompt, context, maxNewTokens);
        int[] gen = new int[maxNewTokens];
        int n = 0;
        try (Arena arena = Arena.ofShared()) {
            KvCache cache = model.newCache(ids.length + maxNewTokens, arena);
            float[] logits;
            try (var step = StepScope.open()) {
                logits = model.forwardCached(ids, 0, cache).toFloatArray();
            }
            int pos = ids.length;
            while (n < maxNewTokens) {
                requireFinite(logits, n);
                int next = sampler.sample(logits);
                if (next == tok.eosId() || next == tok.bosId()) break;
                gen[n++] = next;
                String text = tok.decode(Arrays.copyOf(gen, n));
                if (!truncate(text).equals(text)) break;
                try (var step = StepScope.open()) {
                    logits = model.forwardCached(new int[]{next}, pos++, cache).toFloatArray();
                }
            }
        }
        return truncate(tok.decode(Arrays.copyOf(gen, n)));
    }

    /** A NaN or infinite logit would make argmax or sampling pick garbage silently: stop instead. */
    private static void requireFinite(float[] logits, int generated) {
        for (int i = 0; i < logits.length; i++)
            if (!Float.isFinite(logits[i]))
                throw new IllegalStateException("HumanEval generation: logit " + i + " is " + logits[i] + " after " + generated
                        + " generated tokens; the model's weights or adapter are not finite");
    }
}
