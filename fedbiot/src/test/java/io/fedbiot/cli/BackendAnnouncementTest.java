package io.fedbiot.cli;

import io.fedbiot.kernels.cuda.CudaProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.fedbiot.cli.CliRun.model;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * run, demo and generate choose (and announce) the backend after their input checks: a bad input
 * is one line on stderr, never preceded by "[backend] auto selected ...". A fresh JVM each, since
 * the auto choice is announced once per process.
 */
class BackendAnnouncementTest {
    @TempDir
    Path tmp;

    /** The command's one error line, after checking it is all there is and the exit code is 2. */
    private static String oneErrorLine(ChildCli.Result r, String command) {
        assertEquals(2, r.code(), r.describe());
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), "one line, no backend line before it:\n" + r.describe());
        assertTrue(lines.getFirst().startsWith("fedbiot " + command + ": "), r.describe());
        assertEquals("", r.out(), r.describe());
        return lines.getFirst();
    }

    @Test
    void generateWithAPromptTooLongForItsSteps() throws Exception {
        String line = oneErrorLine(ChildCli.run(tmp, "generate", "--model", model("stories260K.bin").toAbsolutePath().toString(),
                "--tokenizer", model("tok512.bin").toAbsolutePath().toString(), "--steps", "3", "--prompt", "Once upon a time"), "generate");
        assertTrue(line.contains("the prompt is"), line);
    }

    @Test
    void runWithAMissingModelOrAnOutputThatIsAFile() throws Exception {
        Path cfg = QuietStderrTest.tinyConfig(tmp);
        String line = oneErrorLine(ChildCli.run(tmp, "run", "--config", cfg.toString(), "--set", "model=" + tmp.resolve("none.bin")), "run");
        assertTrue(line.contains("no such file") && line.contains("none.bin"), line);
        Files.writeString(tmp.resolve("a-file"), "x");
        line = oneErrorLine(ChildCli.run(tmp, "run", "--config", cfg.toString(), "--set", "output=" + tmp.resolve("a-file")), "run");
        assertTrue(line.contains("a-file") && line.contains("expected a folder"), line);
    }

    /** The header check passes; the damage shows only when the weights are read, still before the backend is chosen. */
    @Test
    void runWithATruncatedModel() throws Exception {
        Path cut = tmp.resolve("cut.bin");
        byte[] whole = Files.readAllBytes(model("stories260K.bin"));
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        String line = oneErrorLine(ChildCli.run(tmp, "run", "--config", QuietStderrTest.tinyConfig(tmp).toString(),
                "--set", "model=" + cut), "run");
        assertTrue(line.contains("cut.bin"), line);
    }

    /** A config with one problem is one line too (several are listed one per line). */
    @Test
    void runWithADuplicateKey() throws Exception {
        Path cfg = QuietStderrTest.tinyConfig(tmp);
        Path dup = Files.writeString(tmp.resolve("dup.yaml"), "rounds: 2\n" + Files.readString(cfg));
        String line = oneErrorLine(ChildCli.run(tmp, "run", "--config", dup.toString()), "run");
        assertTrue(line.contains("dup.yaml: invalid config: duplicate key 'rounds'"), line);
    }

    @Test
    void demoWithABadOverride() throws Exception {
        String line = oneErrorLine(ChildCli.run(tmp, "demo", "--quick", "--out", tmp.resolve("demo").toString(), "--set", "rounds=0"), "demo");
        assertTrue(line.contains("rounds"), line);
        assertFalse(Files.exists(tmp.resolve("demo")), "nothing written");
    }

    @Test
    void gpuWithoutAGpuIsOnePlainLineOnEveryCommand() throws Exception {
        CudaProbe p = CudaProbe.get();
        assumeFalse(p.usable(), "a usable GPU is present: the no-GPU error is not reachable here");
        List<List<String>> commands = List.of(
                List.of("generate", "--model", model("stories260K.bin").toAbsolutePath().toString(),
                        "--tokenizer", model("tok512.bin").toAbsolutePath().toString(), "--steps", "8"),
                List.of("run", "--config", QuietStderrTest.tinyConfig(tmp).toString()),
                List.of("demo", "--quick", "--out", tmp.resolve("demo").toString()));
        for (List<String> c : commands) {
            for (String name : List.of("gpu", "cuda")) {
                String[] args = java.util.stream.Stream.concat(c.stream(), java.util.stream.Stream.of("--backend", name)).toArray(String[]::new);
                String line = oneErrorLine(ChildCli.run(tmp, args), c.getFirst());
                assertTrue(line.contains("--backend " + name + ": ") && line.contains(p.reason()), line);
            }
        }
        assertFalse(Files.exists(tmp.resolve("demo")), "the demo stopped before pretraining");
    }
}
