package io.fedbiot.cli;

import io.fedbiot.cli.CliRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Exit codes are the same on every command (0 success, 1 runtime failure, 2 usage or input
 * error), the message names what is wrong, and a stack trace shows only with --debug.
 */
class ExitCodeTest {
    @TempDir
    Path tmp;

    private static void assertUserError(Result r, String command, String mustContain) {
        assertEquals(2, r.code(), command + ": " + r.err());
        assertTrue(r.err().startsWith("fedbiot " + command + ": "), command + " names itself first: " + r.err());
        assertTrue(r.err().contains(mustContain), command + " should say " + mustContain + ": " + r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), command + " printed a stack trace: " + r.err());
    }

    @Test
    void aMissingFileIsAUserErrorNamingItOnEveryCommand() throws IOException {
        Path missing = tmp.resolve("nope.bin");
        String m = missing.toString(), tok = model("tok512.bin").toString(), ckpt = model("stories260K.bin").toString();
        Path token = Files.writeString(tmp.resolve("token.txt"), "secret\n");
        Path data = Files.writeString(tmp.resolve("d.jsonl"), "{\"instruction\": \"a\", \"output\": \"b\"}\n");
        List<String[]> calls = List.of(
                new String[]{"run", "--config", m},
                new String[]{"generate", "--model", m, "--tokenizer", tok},
                new String[]{"generate", "--model", ckpt, "--tokenizer", m},
                new String[]{"inspect", m},
                new String[]{"tokenize", "--tokenizer", m, "hello"},
                new String[]{"pretrain", "--data", m, "--out", tmp.resolve("p").toString()},
                new String[]{"server", "--config", m, "--state", tmp.resolve("s").toString(), "--tokens", token.toString()},
                new String[]{"client", "--server", "localhost:1", "--token-file", m, "--data", data.toString(), "--tokenizer", tok},
                new String[]{"study-dropout", "--model", m, "--data", data.toString(), "--out", tmp.resolve("o").toString()});
        for (String[] c : calls) assertUserError(run(c), c[0], m);
        assertFalse(Files.exists(tmp.resolve("p")) || Files.exists(tmp.resolve("s")) || Files.exists(tmp.resolve("o")),
                "nothing is written for a bad input");
        assertUserError(run("inspect", m), "inspect", "no such file: " + m);
    }

    @Test
    void badNumbersAndBackendsAreUserErrorsBeforeAnyWork() {
        String ckpt = model("stories260K.bin").toString(), tok = model("tok512.bin").toString();
        assertUserError(run("generate", "--model", ckpt, "--tokenizer", tok, "--temperature", "NaN"), "generate", "--temperature");
        assertUserError(run("generate", "--model", ckpt, "--tokenizer", tok, "--steps", "-5"), "generate", "--steps must be >= 0");
        assertUserError(run("generate", "--model", ckpt, "--tokenizer", tok, "--top-p", "0"), "generate", "--top-p");
        assertUserError(run("generate", "--model", ckpt, "--tokenizer", tok, "--backend", "tpu"), "generate", "unknown backend 'tpu'");
        // A prompt that fills the context leaves nothing to generate: both numbers are named.
        Result longPrompt = run("generate", "--model", ckpt, "--tokenizer", tok, "--prompt", "Once upon a time ".repeat(200));
        assertUserError(longPrompt, "generate", "the model's context 512");
        assertTrue(longPrompt.err().contains("--steps 256"), longPrompt.err());
        Path out = tmp.resolve("demo");
        assertUserError(run("demo", "--out", out.toString(), "--backend", "tpu"), "demo", "--backend tpu");
        assertFalse(Files.exists(out), "the demo refuses the backend before pretraining");
    }

    @Test
    void debugAddsTheStackTrace() {
        String m = tmp.resolve("nope.bin").toString();
        Result r = run("inspect", "--debug", m);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no such file: " + m) && r.err().contains("\tat "), r.err());
    }

    @Test
    void aFailureWhileWorkingExitsOne() throws IOException {
        Path corpus = Files.writeString(tmp.resolve("c.txt"), "the cat sat on the mat. the dog ate the bone.\n".repeat(40));
        Result r = run("pretrain", "--data", corpus.toString(), "--out", tmp.resolve("m").toString(), "--dim", "16", "--layers", "1",
                "--heads", "2", "--hidden", "32", "--seq-len", "8", "--steps", "20", "--batch-size", "2", "--vocab", "300", "--lr", "1e30",
                "--quiet");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("fedbiot pretrain: pretraining loss is"), r.err());
        assertTrue(r.err().contains("--debug"), "a runtime failure says how to see the stack trace: " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void everyFailureIsClassifiedOnce() {
        assertEquals(2, CliErrors.exitCode(new IllegalArgumentException("x")));
        assertEquals(2, CliErrors.exitCode(new java.nio.file.NoSuchFileException("f")));
        assertEquals(2, CliErrors.exitCode(new java.io.UncheckedIOException(new java.nio.file.AccessDeniedException("f"))));
        assertEquals(1, CliErrors.exitCode(new IllegalStateException("x")));
        assertEquals(1, CliErrors.exitCode(new IOException("disk full")));
        assertEquals("permission denied: f", CliErrors.message(new java.nio.file.AccessDeniedException("f")));
        assertEquals("NullPointerException", CliErrors.message(new NullPointerException()));
    }
}
