package io.fedbiot.pretrain;

import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The BPE trainer: lossless, compressing, digit by digit, and saved as a tokenizer.bin that loads back identically. */
class BpeTrainerTest {
    @TempDir
    Path tmp;

    private static final List<String> DOCS = List.of(
            "the cat sat on the mat. the cat ate 12 fish.",
            "a dog and a cat met on the mat; the dog ate 345 bones.\nthen the dog slept.",
            "the mat was red and the cat was black. Über café naïve.");

    @Test
    void roundTripsAndCompresses() {
        Tokenizer tok = BpeTrainer.train(DOCS, 320);
        assertTrue(tok.vocabSize() <= 320 && tok.vocabSize() > BpeTrainer.RESERVED);
        int chars = 0, tokens = 0;
        for (String d : DOCS) {
            int[] ids = tok.encode(d, true, true);
            assertEquals(tok.bosId(), ids[0]);
            assertEquals(tok.eosId(), ids[ids.length - 1]);
            assertEquals(d, tok.decode(ids));
            chars += d.length();
            tokens += ids.length - 2;
        }
        assertTrue(tokens < 0.7 * chars, tokens + " tokens for " + chars + " characters: the merges should compress");
        assertEquals("unseen text: QXZ 7", tok.decode(tok.encode("unseen text: QXZ 7", false, false)), "byte fallback covers unseen characters");
    }

    @Test
    void numbersAreSpelledDigitByDigit() {
        Tokenizer tok = BpeTrainer.train(List.of("12 12 12 12 345 345 345 12"), 300);
        for (int id : tok.encode("12 345", false, false)) {
            String p = tok.piece(id).replace("\u2581", "");
            assertTrue(p.length() <= 1, "piece '" + tok.piece(id) + "' joins digits");
        }
    }

    @Test
    void tooSmallAVocabularyIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(DOCS, 260));
        assertTrue(e.getMessage().contains("260"), e.getMessage());
    }

    @Test
    void savedTokenizerLoadsBackIdentically() throws Exception {
        Tokenizer tok = BpeTrainer.train(DOCS, 330);
        Path f = tmp.resolve("tokenizer.bin");
        TokenizerBin.write(tok, f);
        Tokenizer back = Tokenizers.load(f);
        assertEquals(tok.vocabulary(), back.vocabulary());
        assertEquals(tok.hash(), back.hash());
        List<int[]> a = new ArrayList<>(), b = new ArrayList<>();
        for (String d : DOCS) {
            a.add(tok.encode(d, true, false));
            b.add(back.encode(d, true, false));
        }
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i));
    }
}
