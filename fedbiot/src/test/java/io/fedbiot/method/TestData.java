package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/** stories260K and token windows of the TinyStories sample as training and held-out batches. */
public final class TestData {
    private TestData() {}

    public static Path shared(String rel) {
        String p = System.getProperty("fedbiot.shared");
        Path f = (p != null ? Path.of(p) : Path.of("..", "..", "shared")).resolve("data").resolve(rel);
        if (!Files.exists(f)) fail("test data " + f.toAbsolutePath() + " is missing: shared/data must be next to the repository");
        return f;
    }

    /** Alpaca rows of short arithmetic instructions: a few dozen tokens each (the runtimes' tests share them). */
    public static String arithmeticRows(int n, int seed) {
        StringBuilder b = new StringBuilder("[\n");
        for (int i = 0; i < n; i++) {
            int x = (seed + 7 * i) % 23, y = (seed * 3 + i) % 19;
            b.append("  {\"instruction\": \"Add ").append(x).append(" and ").append(y).append(".\", \"input\": \"\", \"output\": \"")
                    .append(x + y).append("\"}").append(i + 1 < n ? ",\n" : "\n");
        }
        return b.append("]\n").toString();
    }

    static int[] storyTokens() throws Exception {
        Tokenizer tok = Tokenizers.load(shared("models/tok512.bin"));
        return tok.encode(Files.readString(shared("datasets/tinystories/tinystories_sample.txt")).replace("<|endoftext|>", "\n"), true, false);
    }

    /** Random windows of [from, to) of the stream; the last ~third of each row is the "response". */
    static BatchSource windows(int[] tokens, int from, int to, int B, int T, long seed) {
        Rng rng = new Rng(seed);
        return () -> batch(tokens, from, to, B, T, rng);
    }

    static Batch batch(int[] tokens, int from, int to, int B, int T, Rng rng) {
        int[] ids = new int[B * T], tg = new int[B * T];
        float[] mask = new float[B * T], valid = new float[B * T];
        for (int b = 0; b < B; b++) {
            int start = from + rng.nextInt(to - from - T - 1);
            int len = T - rng.nextInt(T / 4); // some rows padded
            for (int t = 0; t < len; t++) {
                ids[b * T + t] = tokens[start + t];
                tg[b * T + t] = tokens[start + t + 1];
                valid[b * T + t] = 1;
                mask[b * T + t] = t >= len / 3 ? 1 : 0;
            }
        }
        return new Batch(B, T, ids, tg, mask, valid, new int[B]);
    }

    static List<Batch> fixed(int[] tokens, int from, int to, int n, int B, int T, long seed) {
        Rng rng = new Rng(seed);
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(batch(tokens, from, to, B, T, rng));
        return out;
    }
}
