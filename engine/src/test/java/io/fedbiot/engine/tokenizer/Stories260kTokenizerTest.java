package io.fedbiot.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static io.fedbiot.engine.tokenizer.TokenizerTestData.STORIES_GGUF;
import static io.fedbiot.engine.tokenizer.TokenizerTestData.TOK512;
import static io.fedbiot.engine.tokenizer.TokenizerTestData.tokenizer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stories260K's 512-piece tokenizer from llama2.c's tok512.bin and from the model's GGUF. */
class Stories260kTokenizerTest {
    private static final List<String> STRINGS = List.of(
            "", " ", "Once upon a time, there was a little girl named Lily.",
            "She said, \"I don't know!\"\n\nThe end.", "  two leading spaces", "tab\there",
            "Zoë's café — naïve 日本 🦙", "1234567890", "lowercase UPPERCASE MiXeD", "\u0000\u007f~");

    @Test
    void vocabularyIsStories260k() {
        Tokenizer t = tokenizer(TOK512);
        assertEquals(512, t.vocabSize());
        assertEquals("<unk>", t.piece(0));
        assertEquals("<s>", t.piece(1));
        assertEquals("</s>", t.piece(2));
        assertEquals(PieceType.CONTROL, t.type(1));
        assertEquals("<0x00>", t.piece(3));
        assertEquals("<0xFF>", t.piece(258));
        assertEquals(PieceType.BYTE, t.type(100));
        assertEquals("\u2581t", t.piece(259), "llama2.c's ' t' is SentencePiece's '▁t'");
    }

    @Test
    void encodesPlausiblyAndRoundTrips() {
        Tokenizer t = tokenizer(TOK512);
        String s = "Once upon a time, there was a little girl named Lily.";
        int[] ids = t.encode(s, true, true);
        assertEquals(1, ids[0]);
        assertEquals(2, ids[ids.length - 1]);
        // 512 pieces: far fewer tokens than characters, but no byte fallback for plain English.
        assertTrue(ids.length < s.length() / 2, () -> ids.length + " tokens");
        for (int i = 1; i < ids.length - 1; i++) assertEquals(PieceType.NORMAL, t.type(ids[i]), t.piece(ids[i]));
        for (String x : STRINGS) assertEquals(x, t.decode(t.encode(x, true, false)), x);
        int[] cjk = t.encode("日", false, false);
        assertEquals(List.of("\u2581", "<0xE6>", "<0x97>", "<0xA5>"),
                java.util.Arrays.stream(cjk).mapToObj(t::piece).toList().subList(cjk.length - 3 - 1, cjk.length));
    }

    @Test
    void ggufGivesTheSameIdsAndHash() {
        Tokenizer bin = tokenizer(TOK512), gguf = tokenizer(STORIES_GGUF);
        assertEquals(bin.vocabSize(), gguf.vocabSize());
        for (String s : STRINGS) assertArrayEquals(bin.encode(s, true, false), gguf.encode(s, true, false), s);
        // Same pieces (after '▁' and <s>/</s> normalisation), scores and types: same cache key.
        assertEquals(bin.hash(), gguf.hash());
    }

    @Test
    void greedyStoryIdsDecodeToLlama2cOutput() throws IOException {
        Tokenizer t = tokenizer(TOK512);
        int[] ids = TokenizerTestData.parseIds(Files.readString(TokenizerTestData.model("expected/stories260K-greedy-from-bos.ids")));
        String expected = Files.readString(TokenizerTestData.model("expected/stories260K-greedy-from-bos.txt"), StandardCharsets.UTF_8);
        assertEquals(256, ids.length);
        // llama2.c's generate prints decode(prev, next) for each sampled id, starting after BOS, then "\n".
        StringBuilder printed = new StringBuilder();
        int prev = t.bosId();
        for (int id : ids) {
            printed.append(t.decodePiece(prev, id));
            prev = id;
        }
        printed.append('\n');
        assertEquals(expected, printed.toString());
        // decode() of the whole sequence is the same text: the space after BOS is the dummy prefix.
        assertEquals(expected, t.decode(ids) + "\n");
    }
}
