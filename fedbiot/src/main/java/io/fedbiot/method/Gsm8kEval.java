package io.fedbiot.method;

import io.fedbiot.data.DataFormat;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.model.Generator;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.Sampler;
import io.fedbiot.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Exact match by generation: greedy decoding with the KV cache from each held-out prompt, scored
 * against the row's {@code answer} field by {@link Gsm8kScore} (GSM8K) or {@link TaskScore}
 * (generated tasks).
 */
public final class Gsm8kEval {
    private Gsm8kEval() {}

    public static double exactMatch(LlamaModel model, Tokenizer tok, TokenizedDataset data, int[] rows, int maxNewTokens) {
        return exactMatch(model, tok, data, rows, maxNewTokens, Gsm8kScore::exactMatch);
    }

    /** Generated tasks: the answer string must match exactly. */
    public static double taskExactMatch(LlamaModel model, Tokenizer tok, TokenizedDataset data, int[] rows, int maxNewTokens) {
        return exactMatch(model, tok, data, rows, maxNewTokens, TaskScore::exactMatch);
    }

    private static double exactMatch(LlamaModel model, Tokenizer tok, TokenizedDataset data, int[] rows, int maxNewTokens,
                                     BiFunction<List<String>, List<String>, Double> score) {
        List<String> generated = new ArrayList<>(), references = new ArrayList<>();
        for (int r : rows) {
            generated.add(generate(model, tok, data, r, maxNewTokens));
            references.add(data.field(DataFormat.ANSWER, r));
        }
        return score.apply(generated, references);
    }

    /** The response the model writes greedily after row {@code r}'s prompt (its masked-out prefix). */
    public static String generate(LlamaModel model, Tokenizer tok, TokenizedDataset data, int r, int maxNewTokens) {
        int[] ids = data.ids(r);
        byte[] mask = data.mask(r);
        int promptLen = 0;
        while (promptLen < ids.length && mask[promptLen] == 0) promptLen++;
        int[] prompt = Arrays.copyOf(ids, promptLen);
        int[] out = Generator.generate(model, prompt, promptLen + maxNewTokens, new Sampler(0f, 1f, 0), tok.eosId(), null);
        return tok.decode(Arrays.copyOfRange(out, Math.min(promptLen, out.length), out.length));
    }
}
