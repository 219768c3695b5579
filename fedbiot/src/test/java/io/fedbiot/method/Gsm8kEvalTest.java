package io.fedbiot.method;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.demo.DemoData;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The batched evaluation writes, row for row, what generating each row alone writes, on the demo's task rows. */
class Gsm8kEvalTest {
    @Test
    void batchedResponsesAreTheOneRowAtATimeOnes(@TempDir Path dir) throws Exception {
        try (Checkpoint ck = Checkpoint.load(TestData.shared("models/stories260K.bin"))) {
            Tokenizer tok = Tokenizers.load(TestData.shared("models/tok512.bin"));
            DemoData d = DemoData.write(dir.resolve("data"), new DemoData.Sizes(4, 6, 1), 0);
            TokenizedDataset data = DatasetCache.load(d.clients(), DataFormat.TASKS, tok, 256, BadRowPolicy.FAIL,
                    dir.resolve("cache"), s -> {}).dataset();
            LlamaModel m = LlamaModel.full(ck.weights());
            // More rows than one batch, out of order, so rows join as others leave and results must land in place.
            int n = Math.min(data.size(), Gsm8kEval.BATCH + 4);
            assertTrue(n > Gsm8kEval.BATCH, "want more rows than one batch, got " + data.size());
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) rows[i] = (i * 7 + 3) % n;
            List<String> single = new ArrayList<>();
            for (int r : rows) single.add(Gsm8kEval.generate(m, tok, data, r, 12));
            assertTrue(single.stream().anyMatch(s -> !s.isBlank()), "the model writes something");
            assertEquals(single, Gsm8kEval.responses(m, tok, data, rows, 12));
            List<String> refs = new ArrayList<>();
            for (int r : rows) refs.add(data.field(DataFormat.ANSWER, r));
            assertEquals(TaskScore.exactMatch(single, refs), Gsm8kEval.taskExactMatch(m, tok, data, rows, 12));
        }
    }
}
