package io.fedbiot.data;

import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Paths into shared/data (missing data fails rather than skips) and the two tokenizers, loaded once. */
final class SharedFiles {
    private static Tokenizer llama;
    private static Tokenizer tok512;

    private SharedFiles() {}

    static Path data(String relative) {
        String p = System.getProperty("fedbiot.shared");
        Path f = (p != null ? Path.of(p) : Path.of("..", "..", "shared")).resolve("data").resolve(relative);
        if (!Files.exists(f)) fail("test data " + f.toAbsolutePath() + " is missing (fedbiot.shared=" + p + ")");
        return f;
    }

    static Path gsm8kTrain() { return data("datasets/gsm8k/train.jsonl"); }
    static Path gsm8kTest() { return data("datasets/gsm8k/test.jsonl"); }
    static Path dolly() { return data("datasets/dolly15k/databricks-dolly-15k.jsonl"); }
    static Path alpaca() { return data("datasets/alpaca/alpaca_small.json"); }
    static Path codeAlpaca() { return data("datasets/codealpaca/code_alpaca_2k.json"); }

    /** The 32000-piece LLaMA tokenizer. */
    static synchronized Tokenizer llama() {
        if (llama == null) llama = load("models/tokenizer.model");
        return llama;
    }

    /** The 512-piece stories260K tokenizer. */
    static synchronized Tokenizer tok512() {
        if (tok512 == null) tok512 = load("models/tok512.bin");
        return tok512;
    }

    private static Tokenizer load(String relative) {
        try {
            return Tokenizers.load(data(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
