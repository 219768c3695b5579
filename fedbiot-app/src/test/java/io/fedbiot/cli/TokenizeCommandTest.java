package io.fedbiot.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class TokenizeCommandTest {
    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private static Path model(String name) {
        String shared = System.getProperty("fedbiot.shared");
        Path f = (shared != null ? Path.of(shared) : Path.of("..", "..", "shared")).resolve("data/models").resolve(name);
        if (!Files.exists(f)) fail("test data " + f.toAbsolutePath() + " is missing: shared/data must be next to the repository");
        return f;
    }

    @Test
    void printsSentencePieceIds() {
        // llama.cpp's test vector: "Hello world" -> 15043 3186.
        Result r = run("tokenize", "--tokenizer", model("tokenizer.model").toString(), "Hello world");
        assertEquals(0, r.code(), r.err());
        assertEquals("15043 3186" + System.lineSeparator(), r.out());

        r = run("tokenize", "--tokenizer", model("gguf/ggml-vocab-llama-spm.gguf").toString(), "--bos", " Hello world");
        assertEquals(0, r.code(), r.err());
        assertEquals("1 29871 15043 3186", r.out().strip());
    }

    @Test
    void emptyTextPrintsAnEmptyLine() {
        Result r = run("tokenize", "--tokenizer", model("tok512.bin").toString(), "");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out().strip());
    }

    @Test
    void badTokenizerFileFailsOnStderr() {
        Result r = run("tokenize", "--tokenizer", "no/such/tokenizer.model", "x");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("no/such/tokenizer.model"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void tokenizerOptionIsRequired() {
        Result r = run("tokenize", "x");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--tokenizer"), r.err());
    }

    @Test
    void isListedInTheUsage() {
        assertTrue(run("--help").out().contains("tokenize"));
    }
}
