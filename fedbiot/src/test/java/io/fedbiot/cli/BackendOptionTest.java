package io.fedbiot.cli;

import io.fedbiot.kernels.cuda.CudaProbe;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code generate --backend}: llama2.c's greedy text on the GPU (cuda or gpu); a clear error where there is none. */
class BackendOptionTest {
    @Test
    void greedyTextOnTheGpuIsLlama2csText() throws Exception {
        CudaProbe p = CudaProbe.get();
        assumeTrue(p.usable(), () -> "no usable GPU, generate --backend cuda skipped: " + p.reason());
        for (String name : new String[]{"cuda", "gpu"}) {
            Result r = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                    "--steps", "256", "--temperature", "0", "--backend", name);
            assertEquals(0, r.code(), r.err());
            assertEquals(Files.readString(model("expected/stories260K-greedy-from-bos.txt")), r.out(), name);
        }
    }

    @Test
    void withoutGpuCudaFailsNamingTheReason() {
        CudaProbe p = CudaProbe.get();
        assumeFalse(p.usable(), "a usable GPU is present: the no-GPU error is not reachable here");
        for (String name : new String[]{"cuda", "gpu"}) {
            Result r = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                    "--steps", "8", "--temperature", "0", "--backend", name);
            assertEquals(2, r.code(), "an unavailable backend is an input error");
            assertTrue(r.err().startsWith("fedbiot generate: --backend " + name + ": ") && r.err().contains(p.reason()), r.err());
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertEquals("", r.out(), "nothing on standard output");
        }
    }

    @Test
    void autoRunsEverywhere() throws Exception {
        Result r = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                "--steps", "256", "--temperature", "0", "--backend", "auto");
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readString(model("expected/stories260K-greedy-from-bos.txt")), r.out());
    }

    @Test
    void unknownBackendIsRefused() {
        Result r = run("generate", "--model", model("stories260K.bin").toString(), "--tokenizer", model("tok512.bin").toString(),
                "--steps", "8", "--backend", "tpu");
        assertEquals(2, r.code(), "an unknown backend is an input error");
        assertTrue(r.err().contains("unknown backend 'tpu'") && r.err().contains("gpu"), r.err());
    }
}
