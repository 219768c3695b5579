package io.fedbiot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A make-checkpoint killed mid-write (SIGTERM, as Ctrl-C) leaves neither --out nor its partial folder. */
class MakeCheckpointInterruptTest {
    @Test
    void killedWhileWritingLeavesNothing(@TempDir Path tmp) throws Exception {
        Path parent = Files.createDirectories(tmp.resolve("models")), out = parent.resolve("tl");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ChildCli.jvmFlags());
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                Main.class.getName(), "make-checkpoint", "--quiet", "--shape", "tinyllama-1.1b", "--out", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(tmp.resolve("stdout.txt").toFile()).redirectError(tmp.resolve("stderr.txt").toFile()).start();
        try {
            // Wait for the first shard's temp file: the writer is then mid-way through 2.2 GB.
            while (p.isAlive() && !hasShardTemp(parent)) Thread.sleep(20);
            assertTrue(p.isAlive(), "finished before it could be interrupted: " + Files.readString(tmp.resolve("stderr.txt")));
            p.destroy(); // SIGTERM: shutdown hooks run
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not exit after SIGTERM"); // a hang guard, not a timing check
        } finally {
            p.destroyForcibly();
        }
        assertFalse(Files.exists(out));
        try (var s = Files.list(parent)) {
            assertEquals(List.of(), s.toList(), "left behind");
        }
    }

    private static boolean hasShardTemp(Path parent) throws Exception {
        try (var s = Files.walk(parent)) {
            return s.anyMatch(f -> f.getFileName().toString().startsWith(".model-00001-of-"));
        }
    }
}
