package io.fedbiot.engine.tokenizer;

import io.fedbiot.engine.io.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dataset caching tokenizes texts of many KB. These check that long inputs encode correctly; their
 * speed (the merge queue keeps it O(n log n)) is measured by benchmarks' TokenizerBenchmark, not here.
 */
class TokenizerLongTextTest {

    @Test
    void longTextsRoundTrip() throws IOException {
        Tokenizer t = TokenizerTestData.tokenizer(TokenizerTestData.LLAMA_MODEL);
        String text = Files.readString(SharedData.root().resolve("datasets/tinystories/tinystories_sample.txt"), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 400_000) sb.append(text).append("  \t日本語 🦙 ");
        String big = sb.toString();
        int[] ids = t.encode(big, false, false);
        assertTrue(ids.length > big.length() / 8, () -> ids.length + " ids");
        assertTrue(ids.length < big.length(), () -> ids.length + " ids for " + big.length() + " chars: merges missing");
        assertEquals(big, t.decode(ids));
    }

    @Test
    void oneLongRunOfSpacesRoundTrips() {
        // Every pair in a run of spaces is a candidate merge; the result must still decode exactly.
        Tokenizer t = TokenizerTestData.tokenizer(TokenizerTestData.LLAMA_MODEL);
        String spaces = " ".repeat(100_000);
        int[] ids = t.encode(spaces, false, false);
        assertTrue(ids.length < spaces.length() / 2, () -> ids.length + " ids");
        assertEquals(spaces, t.decode(ids));
    }
}
