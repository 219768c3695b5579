package io.fedbiot.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.fedbiot.engine.tokenizer.TokenizerTestData.LLAMA_BIN;
import static io.fedbiot.engine.tokenizer.TokenizerTestData.LLAMA_FILES;
import static io.fedbiot.engine.tokenizer.TokenizerTestData.LLAMA_GGUF;
import static io.fedbiot.engine.tokenizer.TokenizerTestData.LLAMA_JSON;
import static io.fedbiot.engine.tokenizer.TokenizerTestData.LLAMA_MODEL;
import static io.fedbiot.engine.tokenizer.TokenizerTestData.tokenizer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The 32000-piece LLaMA tokenizer from all four files it comes in gives SentencePiece's ids. */
class LlamaTokenizerParityTest {
    static final List<String> files = LLAMA_FILES;

    @ParameterizedTest(name = "{0}")
    @FieldSource("files")
    void llamaCppVectors(String file) throws IOException {
        assertAllMatch(file, TokenizerTestData.llamaCppCases());
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("files")
    void swiftTransformersParagraphWithBos(String file) throws IOException {
        Tokenizer t = tokenizer(file);
        TokenizerTestData.Case c = TokenizerTestData.llamaEncoded();
        int[] withBos = new int[c.ids().length + 1];
        withBos[0] = 1;
        System.arraycopy(c.ids(), 0, withBos, 1, c.ids().length);
        assertArrayEquals(withBos, t.encode(c.text(), true, false));
        assertEquals(c.text(), t.decode(withBos));
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("files")
    void sentencePieceReferenceStrings(String file) throws IOException {
        assertAllMatch(file, TokenizerTestData.spReference());
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("files")
    void decodeRoundTrips(String file) throws IOException {
        Tokenizer t = tokenizer(file);
        for (TokenizerTestData.Case c : TokenizerTestData.allLlamaCases()) {
            // A literal '▁' is the one thing SentencePiece cannot give back: it decodes as ' '.
            String expected = c.text().replace('\u2581', ' ');
            assertEquals(expected, t.decode(c.ids()), c.toString());
            assertEquals(expected, t.decode(t.encode(c.text(), true, true)), c.toString());
        }
    }

    @Test
    void sameVocabularyAndSpecialsFromEveryFile() {
        Tokenizer ref = tokenizer(LLAMA_MODEL);
        assertEquals(32000, ref.vocabSize());
        assertEquals(List.of(0, 1, 2), List.of(ref.unkId(), ref.bosId(), ref.eosId()));
        for (String f : LLAMA_FILES) {
            Tokenizer t = tokenizer(f);
            assertEquals(32000, t.vocabSize(), f);
            assertEquals(List.of(0, 1, 2), List.of(t.unkId(), t.bosId(), t.eosId()), f);
            for (int id = 0; id < 32000; id++) {
                assertEquals(ref.piece(id), t.piece(id), f + " piece " + id);
                assertEquals(ref.type(id), t.type(id), f + " type of " + id);
            }
        }
        assertEquals("<s>", ref.piece(1));
        assertEquals("<0x0A>", ref.piece(13));
        assertEquals("\u2581\u2581", ref.piece(259));
    }

    @Test
    void hashIsEqualWhereScoresAreEqual() {
        // .model, .bin and .gguf carry the same scores; tokenizer.json has merge ranks instead.
        String h = tokenizer(LLAMA_MODEL).hash();
        assertTrue(h.matches("[0-9a-f]{64}"), h);
        assertEquals(h, tokenizer(LLAMA_BIN).hash());
        assertEquals(h, tokenizer(LLAMA_GGUF).hash());
        assertNotEquals(h, tokenizer(LLAMA_JSON).hash());
        assertNotEquals(h, tokenizer(TokenizerTestData.TOK512).hash());
    }

    @Test
    void decodePieceStreamsLikeLlama2c() {
        Tokenizer t = tokenizer(LLAMA_MODEL);
        int[] ids = t.encode("Hello world 🦙", true, false);
        StringBuilder ascii = new StringBuilder();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) {
            bytes.writeBytes(t.decodePieceBytes(ids[i - 1], ids[i]));
            ascii.append(t.decodePiece(ids[i - 1], ids[i]));
        }
        assertEquals("Hello world 🦙", bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(ascii.toString().startsWith("Hello world "), ascii.toString());
        assertEquals(" Hello", t.decodePiece(15043, 15043), "only a piece right after BOS loses its space");
        assertEquals("\n", t.decodePiece(15043, 13));
        assertEquals("", t.decodePiece(15043, 2));
    }

    private static void assertAllMatch(String file, List<TokenizerTestData.Case> cases) {
        Tokenizer t = tokenizer(file);
        List<String> failures = new ArrayList<>();
        for (TokenizerTestData.Case c : cases) {
            int[] got = t.encode(c.text(), false, false);
            if (!Arrays.equals(c.ids(), got)) {
                failures.add(c + "\n  expected " + Arrays.toString(c.ids()) + "\n  got      " + Arrays.toString(got));
            }
        }
        assertTrue(failures.isEmpty(), file + ": " + failures.size() + " of " + cases.size() + " differ:\n"
                + String.join("\n", failures));
    }
}
