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

/** GSM8K exact match: greedy generation with the KV cache from each held-out prompt, scored by {@link Gsm8kScore}. */
public final class Gsm8kEval {
    private Gsm8kEval() {}

    public static double exactMatch(LlamaModel model, Tokenizer tok, TokenizedDataset data, int[] rows, int maxNewTokens) {
        List<String> generated = new ArrayList<>(), references = new ArrayList<>();
        for (int r : rows) {
            int[] ids = data.ids(r);
            byte[] mask = data.mask(r);
            int promptLen = 0;
            while (promptLen < ids.length && mask[promptLen] == 0) promptLen++;
            int[] prompt = Arrays.copyOf(ids, promptLen);
            int[] out = Generator.generate(model, prompt, promptLen + maxNewTokens, new Sampler(0f, 1f, 0), tok.eosId(), null);
            generated.add(tok.decode(Arrays.copyOfRange(out, Math.min(promptLen, out.length), out.length)));
            references.add(data.field(DataFormat.ANSWER, r));
        }
        return Gsm8kScore.exactMatch(generated, references);
    }
}
