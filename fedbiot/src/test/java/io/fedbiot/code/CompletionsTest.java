package io.fedbiot.code;

import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletionsTest {
    private static Tokenizer tok512() throws Exception {
        String p = System.getProperty("fedbiot.shared");
        Path f = (p != null ? Path.of(p) : Path.of("..", "..", "shared")).resolve("data/models/tok512.bin");
        assertTrue(Files.exists(f), "test data " + f.toAbsolutePath() + " is missing");
        return Tokenizers.load(f);
    }

    @Test
    void aLongPromptKeepsBosAndItsTailWithRoomForTheCompletion() throws Exception {
        Tokenizer tok = tok512();
        String prompt = "def f(x):\n    \"\"\"" + "Return x. ".repeat(200) + "\"\"\"\n";
        int[] full = tok.encode(prompt, true, false);
        int[] cut = Completions.promptTokens(tok, prompt, 512, 64);
        assertTrue(full.length > 448, "the prompt should not fit: " + full.length);
        assertEquals(448, cut.length);
        assertEquals(full[0], cut[0]);
        assertArrayEquals(Arrays.copyOfRange(full, full.length - 447, full.length), Arrays.copyOfRange(cut, 1, cut.length));
    }

    @Test
    void aShortPromptIsLeftWholeAndNoRoomIsAnError() throws Exception {
        Tokenizer tok = tok512();
        assertArrayEquals(tok.encode("def g():\n", true, false), Completions.promptTokens(tok, "def g():\n", 512, 64));
        assertThrows(IllegalArgumentException.class, () -> Completions.promptTokens(tok, "def g():\n", 512, 511));
    }
}
