package io.fedbiot.engine.tokenizer;

import io.fedbiot.engine.io.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dataset caching tokenizes texts of many KB: the merge loop must stay O(n log n). */
class TokenizerSpeedTest {

    @Test
    void longTextsEncodeQuicklyAndRoundTrip() throws IOException {
        Tokenizer t = TokenizerTestData.tokenizer(TokenizerTestData.LLAMA_MODEL);
        String text = Files.readString(SharedData.root().resolve("datasets/tinystories/tinystories_sample.txt"), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 400_000) sb.append(text).append("  \t日本語 🦙 ");
        String big = sb.toString();
        t.encode(big.substring(0, 20_000), false, false); // warm-up
        long start = System.nanoTime();
        int[] ids = t.encode(big, false, false);
        double seconds = (System.nanoTime() - start) / 1e9;
        // A quadratic rescan takes minutes here; the queue takes well under a second.
        assertTrue(seconds < 5, () -> big.length() + " chars took " + seconds + " s");
        assertTrue(ids.length > big.length() / 8, () -> ids.length + " ids");
        assertEquals(big, t.decode(ids));
    }

    @Test
    void oneLongRunOfSpacesIsFine() {
        // Every pair in a run of spaces is a candidate; merging it must not degrade either.
        Tokenizer t = TokenizerTestData.tokenizer(TokenizerTestData.LLAMA_MODEL);
        String spaces = " ".repeat(100_000);
        long start = System.nanoTime();
        int[] ids = t.encode(spaces, false, false);
        assertTrue((System.nanoTime() - start) / 1e9 < 5);
        assertEquals(spaces, t.decode(ids));
    }
}
