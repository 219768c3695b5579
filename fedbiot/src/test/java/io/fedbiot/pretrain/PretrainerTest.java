package io.fedbiot.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    static final String[] SAMPLES = {"the cat sees the owl. the end.", " two  spaces and a leading one",
            "unseen: Zebra 42 + 7 = 49, émigré ∑ 猫 🙂", "dogdogdog fox-owl", "", "\n\ttabs\nand lines"};

    @Test
    void thePretrainedFolderHasAnHfTokenizerThatEncodesLikeTheOriginal() throws Exception {
        List<String> docs = corpus();
        Tokenizer tok = BpeTrainer.train(docs, 300);
        Path dir = tmp.resolve("model");
        try (Pretrainer p = new Pretrainer(new PretrainSettings(16, 1, 2, 16, 8, 1, 1, 1e-2, 0, 300, 0), tok)) {
            p.save(dir, Map.of());
        }
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals(tok.bosId(), config.get("bos_token_id").asInt());
        assertEquals(tok.eosId(), config.get("eos_token_id").asInt());
        assertEquals(1, config.get("bos_token_id").asInt()); // the llama layout: <unk> <s> </s>
        assertEquals(2, config.get("eos_token_id").asInt());

        Tokenizer hf = Tokenizers.load(dir.resolve("tokenizer.json"));
        assertSameTokenizer(tok, hf);
        try (Checkpoint ck = Checkpoint.load(dir)) { // the model still loads with the extra config keys
            assertEquals(tok.vocabSize(), ck.config().vocabSize());
        }
    }

    @Test
    void aSentencePieceVocabularyWrittenAsTokenizerJsonEncodesTheSame() throws Exception {
        Tokenizer sp = Tokenizers.load(Path.of(System.getProperty("fedbiot.shared", "../../shared"), "data/models/tok512.bin"));
        Path file = tmp.resolve("tokenizer.json");
        TokenizerJson.write(sp, file);
        assertSameTokenizer(sp, Tokenizers.load(file));
    }

    private static void assertSameTokenizer(Tokenizer want, Tokenizer got) {
        assertEquals(want.vocabSize(), got.vocabSize());
        for (int i = 0; i < want.vocabSize(); i++) {
            assertEquals(want.piece(i), got.piece(i), "piece " + i);
            assertEquals(want.type(i), got.type(i), "type of piece " + i);
        }
        assertEquals(want.bosId(), got.bosId());
        assertEquals(want.eosId(), got.eosId());
        assertEquals(want.unkId(), got.unkId());
        for (String text : SAMPLES) {
            int[] ids = want.encode(text, true, true);
            assertArrayEquals(ids, got.encode(text, true, true), "ids of '" + text + "'");
            assertEquals(want.decode(ids), got.decode(ids));
        }
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
