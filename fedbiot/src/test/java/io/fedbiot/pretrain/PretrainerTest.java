package io.fedbiot.pretrain;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Pretraining from scratch: the loss falls a lot on a tiny corpus, and the saved model reloads to identical logits. */
class PretrainerTest {
    @TempDir
    Path tmp;

    private static List<String> corpus() {
        List<String> docs = new ArrayList<>();
        String[] animals = {"cat", "dog", "fox", "owl"};
        for (int i = 0; i < 40; i++) docs.add("the " + animals[i % 4] + " sees the " + animals[(i + 1) % 4] + ". the end.");
        return docs;
    }

    @Test
    void lossFallsAndTheSavedModelReloadsToIdenticalLogits() throws Exception {
        List<String> docs = corpus();
        Tokenizer tok = BpeTrainer.train(docs, 300);
        PretrainSettings s = new PretrainSettings(32, 2, 2, 64, 32, 60, 4, 1e-2, 5, 300, 1);
        int[] ids = tok.encode(docs.get(3), true, true);
        Path dir = tmp.resolve("model");
        float[] before;
        try (Pretrainer p = new Pretrainer(s, tok)) {
            Pretrainer.Result r = p.train(Pretrainer.tokens(docs, tok), true, line -> {});
            assertEquals(60, r.losses().length);
            assertTrue(r.meanFirst(5) > Math.log(tok.vocabSize()) - 1, "starts near uniform: " + r.meanFirst(5));
            assertTrue(r.meanLast(5) < 0.4 * r.meanFirst(5), "loss " + r.meanFirst(5) + " -> " + r.meanLast(5));
            before = logits(p.weights(), ids);
            p.save(dir, Map.of("note.txt", "x"));
        }
        assertTrue(Files.isRegularFile(dir.resolve("note.txt")));
        assertTrue(Files.list(tmp).allMatch(f -> f.equals(dir)), "no temporary folder left behind");
        try (Checkpoint ck = Checkpoint.load(dir)) {
            assertEquals(s.config(tok.vocabSize()), ck.config());
            assertArrayEquals(before, logits(ck.weights(), ids));
        }
        Tokenizer back = Tokenizers.load(dir.resolve("tokenizer.bin"));
        assertEquals(tok.hash(), back.hash());
    }

    private static float[] logits(LlamaWeights w, int[] ids) {
        try (var ng = Autograd.noGrad(); var sc = io.fedbiot.engine.StepScope.open()) {
            return LlamaModel.full(w).forward(Tensor.ofInts(Backends.java(), ids, 1, ids.length)).toFloatArray();
        }
    }

    @Test
    void scheduleWarmsUpThenDecaysToATenth() {
        PretrainSettings s = new PretrainSettings(8, 1, 2, 8, 4, 110, 1, 1.0, 10, 300, 0);
        assertEquals(0.1, s.lrAt(0), 1e-12);
        assertEquals(1.0, s.lrAt(9), 1e-12);
        assertEquals(0.55, s.lrAt(60), 1e-12);
        assertEquals(0.1, s.lrAt(110), 1e-12);
        var e = assertThrows(IllegalArgumentException.class, () -> new PretrainSettings(10, 1, 3, 8, 4, 1, 1, 1, 0, 300, 0));
        assertTrue(e.getMessage().contains("heads 3"), e.getMessage());
    }

    @Test
    void corpusErrorsNameTheRow() throws Exception {
        Path f = tmp.resolve("c.jsonl");
        Files.writeString(f, "{\"text\": \"fine\"}\n{\"body\": \"no text\"}\n");
        var e = assertThrows(java.io.IOException.class, () -> TextCorpus.read(f, "text"));
        assertTrue(e.getMessage().contains("row 2") && e.getMessage().contains("\"text\""), e.getMessage());
        Files.writeString(f, "{\"text\": \"fine\"}\nnot json\n");
        e = assertThrows(java.io.IOException.class, () -> TextCorpus.read(f, "text"));
        assertTrue(e.getMessage().contains("row 2"), e.getMessage());
        Path t = tmp.resolve("c.txt");
        Files.writeString(t, "one doc\nstill one\n\n\nsecond doc\n");
        assertEquals(List.of("one doc\nstill one", "second doc"), TextCorpus.read(t, "text"));
    }
}
