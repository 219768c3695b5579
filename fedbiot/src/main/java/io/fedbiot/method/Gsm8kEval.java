package io.fedbiot.method;

import io.fedbiot.data.DataFormat;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.model.BatchGenerator;
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
 * (generated tasks). Rows are generated {@link #BATCH} at a time by {@link BatchGenerator}, with
 * the same tokens as one by one.
 */
public final class Gsm8kEval {
    /**
     * Rows decoding together: 16 turns each step's GEMVs into GEMMs with M = 16. Past that, the
     * per-row rope and attention calls dominate a decode step (EvalBench --profile), so more rows
     * gain little while each holds a KV cache of prompt + max new tokens positions.
     */
    public static final int BATCH = 16;

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
        List<String> references = new ArrayList<>();
        for (int r : rows) references.add(data.field(DataFormat.ANSWER, r));
        return score.apply(responses(model, tok, data, rows, maxNewTokens), references);
    }

    /** What {@link #generate} returns for each of the rows, in their order, generated {@link #BATCH} rows at a time. */
    public static List<String> responses(LlamaModel model, Tokenizer tok, TokenizedDataset data, int[] rows, int maxNewTokens) {
        int[][] prompts = new int[rows.length][];
        int[] steps = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            prompts[i] = prompt(data, rows[i]);
            steps[i] = prompts[i].length + maxNewTokens;
        }
        int[][] out = BatchGenerator.generate(model, prompts, steps, tok.eosId(), BATCH);
        List<String> generated = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) generated.add(response(tok, out[i], prompts[i].length));
        return generated;
    }

    /** The response the model writes greedily after row {@code r}'s prompt (its masked-out prefix). */
    public static String generate(LlamaModel model, Tokenizer tok, TokenizedDataset data, int r, int maxNewTokens) {
        int[] prompt = prompt(data, r);
        int[] out = Generator.generate(model, prompt, prompt.length + maxNewTokens, new Sampler(0f, 1f, 0), tok.eosId(), null);
        return response(tok, out, prompt.length);
    }

    /** Row r's prompt: the masked-out prefix of its ids. */
    static int[] prompt(TokenizedDataset data, int r) {
        int[] ids = data.ids(r);
        byte[] mask = data.mask(r);
        int promptLen = 0;
        while (promptLen < ids.length && mask[promptLen] == 0) promptLen++;
        return Arrays.copyOf(ids, promptLen);
    }

    private static String response(Tokenizer tok, int[] out, int promptLen) {
        return tok.decode(Arrays.copyOfRange(out, Math.min(promptLen, out.length), out.length));
    }
}
