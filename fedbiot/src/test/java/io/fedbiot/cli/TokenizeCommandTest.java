package io.fedbiot.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class TokenizeCommandTest {



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
