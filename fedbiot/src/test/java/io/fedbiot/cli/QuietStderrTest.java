package io.fedbiot.cli;

import io.fedbiot.kernels.cuda.CudaProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static io.fedbiot.cli.CliRun.model;
import static org.junit.jupiter.api.Assertions.*;

/**
 * With bin/fedbiot's JVM flags, standard error carries the JDK's incubator notice and the
 * command's own lines, nothing else: no Unsafe or native-access warnings, no UnsatisfiedLinkError,
 * no CUDA lines on a machine without a GPU.
 */
class QuietStderrTest {
    /** What no command may print: JDK warnings, failed native loads, stack traces, logging set-up, CUDA without a GPU. */
    private static final Pattern NOISE = Pattern.compile(
            "WARNING|Unsafe|UnsatisfiedLinkError|Exception|^\\s+at |SLF4J|jline|" + (CudaProbe.get().usable() ? "^$" : "(?i)cuda"));

    @TempDir
    Path tmp;

    @Test
    void helpPrintsNothingOnStandardError() throws Exception {
        ChildCli.Result r = ChildCli.run(tmp, "--help");
        assertEquals(0, r.code(), r.describe());
        assertEquals(List.of(), r.errLines(), r.describe());
        assertTrue(r.out().contains("generate"), r.describe());
    }

    @Test
    void inspectPrintsNothingOnStandardError() throws Exception {
        ChildCli.Result r = ChildCli.run(tmp, "inspect", model("stories260K.bin").toAbsolutePath().toString());
        assertEquals(0, r.code(), r.describe());
        assertEquals(List.of(), r.errLines(), r.describe());
    }

    @Test
    void generateOnAutoPrintsItsOwnLinesOnly() throws Exception {
        ChildCli.Result r = ChildCli.run(tmp, "generate", "--model", model("stories260K.bin").toAbsolutePath().toString(),
                "--tokenizer", model("tok512.bin").toAbsolutePath().toString(), "--steps", "16", "--temperature", "0");
        assertEquals(0, r.code(), r.describe());
        List<String> lines = r.errLines();
        List<Pattern> own = List.of(Pattern.compile("\\[backend] auto selected (cuda|native|java) \\(\\d+ threads\\)"),
                Pattern.compile("\\[cuda] GPU 0: .*"), Pattern.compile("model .*stories260K\\.bin .* 16 steps"),
                Pattern.compile("achieved tok/s: [0-9.]+"));
        for (String l : lines) assertTrue(own.stream().anyMatch(p -> p.matcher(l).matches()), "unexpected line '" + l + "'\n" + r.describe());
        assertEquals(lines.size(), lines.stream().distinct().count(), r.describe());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("[backend] auto selected")), r.describe());
        if (!CudaProbe.get().usable()) assertTrue(lines.stream().noneMatch(l -> l.startsWith("[cuda]")), r.describe());
    }

    @Test
    void aTinyRunWritingArrowFilesHasNoJdkWarnings() throws Exception {
        ChildCli.Result r = ChildCli.run(tmp, "run", "--config", tinyConfig(tmp).toString());
        assertEquals(0, r.code(), r.describe());
        for (String l : r.errLines()) assertFalse(NOISE.matcher(l).find(), "noise '" + l + "'\n" + r.describe());
        assertTrue(Files.isRegularFile(tmp.resolve("out/rounds.arrow")), r.describe());
    }

    /** One FedLoRA round on stories260K, into {@code dir}/out. */
    static Path tinyConfig(Path dir) throws Exception {
        Path data = CliRun.shared().resolve("data/datasets").toAbsolutePath();
        Path f = dir.resolve("tiny.yaml");
        Files.writeString(f, """
                model: %s
                tokenizer: %s
                data:
                  client: {path: %s, format: gsm8k}
                  max_len: 256
                  cache: %s
                methods: [fedlora]
                rounds: 1
                local_steps: 1
                batch_size: 2
                eval_every: 1
                eval: {max_rows: 2, gsm8k_exact_match: false}
                output: %s
                """.formatted(model("stories260K.bin").toAbsolutePath(), model("tok512.bin").toAbsolutePath(),
                data.resolve("gsm8k/test.jsonl"), dir.resolve("cache"), dir.resolve("out")));
        return f;
    }
}
