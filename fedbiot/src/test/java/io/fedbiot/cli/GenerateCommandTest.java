package io.fedbiot.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

class GenerateCommandTest {



    @Test
    void greedyFromBosPrintsExactlyLlama2cText() throws Exception {
        Result r = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                "--steps", "256", "--temperature", "0");
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readString(model("expected/stories260K-greedy-from-bos.txt")), r.out());
        assertTrue(r.err().contains("tok/s"), "logs go to stderr: " + r.err());
    }

    /** Every backend this machine has prints llama2.c's greedy text; an unknown one is a clear error. */
    @Test
    void everyBackendPrintsTheSameGreedyText() throws Exception {
        String want = Files.readString(model("expected/stories260K-greedy-from-bos.txt"));
        java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of("java"));
        for (var isa : io.fedbiot.kernels.cpu.Isa.values())   // native variants this CPU runs (none without the library)
            io.fedbiot.kernels.cpu.CpuBackend.of(isa).ifPresent(b -> names.add(b.name()));
        for (String be : names) {
            Result r = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                    "--steps", "256", "--temperature", "0", "--backend", be);
            assertEquals(0, r.code(), be + ": " + r.err());
            assertEquals(want, r.out(), "greedy text on backend " + be);
        }
        Result bad = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                "--backend", "tpu");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown backend 'tpu'"), bad.err());
    }

    @Test
    void ggufCarriesItsOwnTokenizer() throws Exception {
        Result r = run("generate", "--model", model("gguf/stories260K.gguf").toString(), "--steps", "256", "--temperature", "0");
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readString(model("expected/stories260K-greedy-from-bos.txt")), r.out());
    }

    @Test
    void thePromptIsPrintedAndCountsAsSteps() {
        Result r = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                "--prompt", "Once upon a time, a dog", "--steps", "20", "--temperature", "0.8", "--seed", "7");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Once upon a time, a dog"), r.out());
        Result again = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                "--prompt", "Once upon a time, a dog", "--steps", "20", "--temperature", "0.8", "--seed", "7");
        assertEquals(r.out(), again.out(), "a seed makes sampling repeatable");
        Result shorter = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                "--steps", "5", "--temperature", "0");
        assertEquals(0, shorter.code());
        assertTrue(Files.exists(model("expected/stories260K-greedy-from-bos.txt")));
        assertTrue(shorter.out().length() < 40, "5 steps print 5 tokens: " + shorter.out());
    }

    @Test
    void aModelWithoutATokenizerGetsAClearError() {
        Result r = run("generate", "--model", model("stories260K.bin").toString(), "--steps", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--tokenizer"), r.err());
        assertEquals("", r.out());
        Result bad = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tokenizer.bin").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("32000") && bad.err().contains("512"), bad.err());
    }
}
