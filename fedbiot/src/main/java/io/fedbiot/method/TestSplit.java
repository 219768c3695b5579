package io.fedbiot.method;

import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The rows exact match is scored on: {@code data.test} when set (GSM8K's test.jsonl, read by the
 * same strict format reader and {@code data.bad_rows} policy as the client data: rows longer than
 * {@code data.max_len} are skipped and counted in the log), else the client data's held-out test
 * rows; the first {@code eval.exact_match_rows} (else {@code eval.max_rows}) either way.
 */
final class TestSplit {
    private final boolean on;
    private final DataFormat format;
    private final TokenizedDataset data;
    private final int[] rows;
    private final Tokenizer tok;
    private final int maxNewTokens;

    private TestSplit(boolean on, DataFormat format, TokenizedDataset data, int[] rows, Tokenizer tok, int maxNewTokens) {
        this.on = on;
        this.format = format;
        this.data = data;
        this.rows = rows;
        this.tok = tok;
        this.maxNewTokens = maxNewTokens;
    }

    /** Reads data.test if the config names it (a missing or bad file fails here, before training). */
    static TestSplit load(ExperimentConfig cfg, Tokenizer tok, TokenizedDataset clientData, int[] heldOutTest, RunPlan plan,
                          Consumer<String> log) throws IOException {
        DataFormat format = plan.data().format();
        boolean on = plan.eval().exactMatch() && (format == DataFormat.GSM8K || format == DataFormat.TASKS);
        int n = plan.eval().maxNewTokens();
        ExperimentConfig.Dataset t = cfg.data().test();
        if (t == null || t.path() == null) return new TestSplit(on, format, clientData, plan.eval().exactMatchRows(heldOutTest), tok, n);
        TokenizedDataset d = DatasetCache.load(t.path(), t.format(), tok, plan.data().maxLen(), cfg.data().badRows(), cfg.data().cache(), log).dataset();
        log.accept("test split (exact match): " + d);
        return new TestSplit(on, t.format(), d, plan.eval().exactMatchRows(IntStream.range(0, d.size()).toArray()), tok, n);
    }

    /** Whether this run scores exact match at all. */
    boolean scores() {
        return on;
    }

    /** {@code eval} plus {@code variant}'s exact match ("AdapFu/gsm8k_em" or ".../exact_match"); as it is when off. */
    Map<String, Double> score(Map<String, Double> eval, String variant, LlamaModel model) {
        if (!on) return eval;
        Map<String, Double> m = new LinkedHashMap<>(eval);
        if (format == DataFormat.GSM8K) m.put(variant + "/gsm8k_em", Gsm8kEval.exactMatch(model, tok, data, rows, maxNewTokens));
        else m.put(variant + "/" + Experiment.EXACT_MATCH, Gsm8kEval.taskExactMatch(model, tok, data, rows, maxNewTokens));
        return m;
    }
}
