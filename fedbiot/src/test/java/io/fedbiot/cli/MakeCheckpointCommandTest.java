package io.fedbiot.cli;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.ModelShapes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

class MakeCheckpointCommandTest {
    static CliRun.Result make(Path out, String... more) {
        String[] base = {"make-checkpoint", "--quiet", "--shape", "test-tiny", "--out", out.toString(), "--shard-size", "60KB"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.run(args);
    }

    static Map<String, String> digests(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList())
                m.put(p.getFileName().toString(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        }
        return m;
    }

    static String[] list(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void writesALoadableShardedCheckpointDeterministically(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), c = tmp.resolve("c");
        CliRun.Result r = make(a, "--seed", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test-tiny BF16") && r.out().contains("shard(s)"), r.out());
        assertEquals(0, make(b, "--seed", "4").code());
        assertEquals(0, make(c, "--seed", "5").code());
        Map<String, String> da = digests(a);
        assertEquals(da, digests(b), "same seed, same bytes");
        assertNotEquals(da.get("model-00001-of-00005.safetensors"), digests(c).get("model-00001-of-00005.safetensors"));
        assertTrue(da.containsKey("model.safetensors.index.json") && da.containsKey("config.json") && da.containsKey("tokenizer.bin"), da.toString());
        assertArrayEquals(new String[]{"a", "b", "c"}, list(tmp), "no temp folders left behind");
        try (Checkpoint ck = Checkpoint.load(a)) {
            assertEquals(ModelShapes.get("test-tiny"), ck.config());
        }
        CliRun.Result g = CliRun.run("generate", "--model", a.toString(), "--prompt", "Hi", "--steps", "8",
                "--temperature", "0", "--backend", "java");
        assertEquals(0, g.code(), g.err());
    }

    @Test
    void refusesBadInputBeforeWritingAnything(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        CliRun.Result r = CliRun.run("make-checkpoint", "--shape", "gpt5", "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'gpt5'") && r.err().contains("stories110m") && r.err().contains("llama2-7b"), r.err());
        assertEquals(2, make(out, "--dtype", "int4").code());
        assertEquals(2, make(out, "--shard-size", "lots").code());
        r = CliRun.run("make-checkpoint", "--quiet", "--shape", "stories15m", "--out", out.toString(),
                "--tokenizer", CliRun.model("tok512.bin").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("512 tokens") && r.err().contains("32000"), r.err());
        assertFalse(Files.exists(out), "an input error leaves nothing behind");
        assertArrayEquals(new String[0], list(tmp));

        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        r = make(out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not empty") && r.err().contains("--force"), r.err());
        assertArrayEquals(new String[]{"notes.txt"}, list(out));
    }

    @Test
    void forceReplacesAndATokenizerIsCopied(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("old.txt"), "stale");
        Path tok = CliRun.model("tok512.bin");
        CliRun.Result r = make(out, "--force", "--tokenizer", tok.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(out.resolve("old.txt")));
        assertArrayEquals(Files.readAllBytes(tok), Files.readAllBytes(out.resolve("tokenizer.bin")));
        assertArrayEquals(new String[]{"out"}, list(tmp), "the replaced folder is gone");
        // An empty --out is fine without --force.
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        assertEquals(0, make(empty).code());
    }

    @Test
    void notEnoughDiskSpaceGivesBothFigures(@TempDir Path tmp) throws Exception {
        long usable = Files.getFileStore(tmp).getUsableSpace();
        MakeCheckpointCommand.checkSpace(tmp, usable / 2); // fits
        UserError e = assertThrows(UserError.class, () -> MakeCheckpointCommand.checkSpace(tmp.resolve("not/yet"), usable + (1L << 40)));
        assertTrue(e.getMessage().contains(String.format(java.util.Locale.ROOT, "%,d", usable + (1L << 40) + (64L << 20)))
                && e.getMessage().contains("usable"), e.getMessage());
    }

    @Test
    void shardSizesParseLikeHuggingFace() {
        assertEquals(2_000_000_000L, MakeCheckpointCommand.sizeBytes("2GB"));
        assertEquals(512L << 20, MakeCheckpointCommand.sizeBytes("512MiB"));
        assertEquals(4096, MakeCheckpointCommand.sizeBytes("4096"));
        assertThrows(UserError.class, () -> MakeCheckpointCommand.sizeBytes("0"));
        assertThrows(UserError.class, () -> MakeCheckpointCommand.sizeBytes("99999999999999GB"));
    }
}
