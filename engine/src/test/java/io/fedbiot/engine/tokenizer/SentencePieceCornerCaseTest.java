package io.fedbiot.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiny hand-made models (written by sp_reference.py) whose ids SentencePiece computed: score ties,
 * UNUSED pieces that are merged through but never output, USER_DEFINED pieces, pieces made of
 * characters that are not pieces, byte fallback, and the normalizer switches.
 */
class SentencePieceCornerCaseTest {

    @Test
    void idsAndDecodingMatchTheLibrary() throws IOException, URISyntaxException {
        Map<String, Tokenizer> models = new HashMap<>();
        List<String> failures = new ArrayList<>();
        int n = 0;
        try (InputStream in = getClass().getResourceAsStream("/tokenizer/corner_cases.json")) {
            for (JsonNode row : new ObjectMapper().readTree(in)) {
                String name = row.path("model").asText(), text = row.path("text").asText();
                Tokenizer t = models.computeIfAbsent(name, SentencePieceCornerCaseTest::load);
                int[] expected = new int[row.path("ids").size()];
                for (int i = 0; i < expected.length; i++) expected[i] = row.path("ids").get(i).asInt();
                int[] got = t.encode(text, false, false);
                if (!Arrays.equals(expected, got)) {
                    failures.add(name + " '" + text + "': expected " + Arrays.toString(expected) + " got " + Arrays.toString(got));
                }
                String decoded = t.decode(expected);
                if (!decoded.equals(row.path("decoded").asText())) {
                    failures.add(name + " '" + text + "': decoded to '" + decoded + "', library '" + row.path("decoded").asText() + "'");
                }
                n++;
            }
        }
        assertEquals(63, n);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void unusedPieceIsMergedThroughButSplitOnOutput() {
        Tokenizer t = load("corner-llama");
        // "cd" is UNUSED: it outranks "bc" and so blocks it, then comes out as c, d.
        assertEquals(List.of("b", "c", "d"), pieces(t, "bcd", false));
        // ... while "cde" can only be built through it.
        assertEquals(List.of("cde"), pieces(t, "cde", false));
        // A tie (ab and bc both -1) goes to the leftmost pair.
        assertEquals(List.of("ab", "cde"), pieces(t, "abcde", false));
    }

    private static List<String> pieces(Tokenizer t, String text, boolean withPrefix) {
        List<String> out = new ArrayList<>();
        for (int id : t.encode(text, false, false)) out.add(t.piece(id));
        if (!withPrefix && !out.isEmpty() && out.getFirst().equals("\u2581")) out.removeFirst();
        return out;
    }

    private static Tokenizer load(String name) {
        try {
            return Tokenizers.load(Path.of(SentencePieceCornerCaseTest.class.getResource("/tokenizer/" + name + ".model").toURI()));
        } catch (IOException | URISyntaxException e) {
            throw new AssertionError("cannot load " + name, e);
        }
    }
}
