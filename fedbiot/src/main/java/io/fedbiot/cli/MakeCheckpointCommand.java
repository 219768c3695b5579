package io.fedbiot.cli;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.io.ByteTokenizerWriter;
import io.fedbiot.engine.model.ModelShapes;
import io.fedbiot.engine.io.RandomCheckpointWriter;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code fedbiot make-checkpoint}: a deterministic random-weight Hugging Face checkpoint of a named
 * shape, streamed to disk. Everything is written into a hidden sibling folder that is renamed to
 * {@code --out} at the end, so an interrupted run leaves no half-written checkpoint there.
 */
@Command(name = "make-checkpoint", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"Writes a random-weight Hugging Face LLaMA checkpoint of a named shape: config.json, sharded"
                + " model-0000N-of-0000M.safetensors with model.safetensors.index.json, and a tokenizer."
                + " Same shape, dtype, seed and shard size give byte-identical files."})
public final class MakeCheckpointCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--shape", required = true, paramLabel = "NAME",
            description = "test-tiny, stories15m, stories110m, tinyllama-1.1b or llama2-7b.")
    String shape;

    @Option(names = "--dtype", paramLabel = "T", description = "bf16 (default), f16 or f32.")
    String dtype = "bf16";

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The folder to create (absent or empty unless --force).")
    Path out;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights. Default: 0.")
    long seed;

    @Option(names = "--shard-size", paramLabel = "SIZE",
            description = "Most data bytes per shard: bytes, or with KB/MB/GB (10^3) or KiB/MiB/GiB (2^10). Default: 2GB.")
    String shardSize = "2GB";

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Tokenizer to copy in (tokenizer.model, tokenizer.json or llama2.c tokenizer.bin) with the shape's"
                    + " vocabulary size, e.g. ../shared/data/models/tokenizer.model for the 32000-token shapes."
                    + " Default: a byte-fallback tokenizer.bin of that size.")
    Path tokenizer;

    @Option(names = "--force", description = "Replace a non-empty --out (the old folder is removed once the new one is complete).")
    boolean force;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        LlamaConfig config = ModelShapes.get(shape);
        if (config == null)
            throw new UserError("--shape '" + shape + "' is not known; known shapes: " + String.join(", ", ModelShapes.names()), null);
        DType type = dtype(dtype);
        long shardBytes = sizeBytes(shardSize);
        Tokenizer tok = tokenizer == null ? null : tokenizer(config.vocabSize());
        Path target = out.toAbsolutePath().normalize();
        checkTarget(target);
        Path parent = OutputFolder.writable(target.getParent(), "--out's parent");
        RandomCheckpointWriter.Plan plan = RandomCheckpointWriter.plan(config, type, shardBytes);
        checkSpace(parent, plan.fileBytes());

        long t0 = System.nanoTime();
        Path tmp = parent.resolve("." + target.getFileName() + ".partial-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        boolean done = false;
        // Ctrl-C or a kill skips finally blocks: the hook removes the partial folder then (gigabytes for the big shapes).
        Thread cleanup = new Thread(() -> {
            // The writer keeps going while this runs and may add a file between the walk and the rmdir: retry.
            for (int attempt = 0; attempt < 5 && Files.exists(tmp); attempt++) {
                try {
                    deleteTree(tmp);
                } catch (IOException | RuntimeException ignored) { // exiting anyway; the folder name says what it is
                }
            }
        }, "make-checkpoint-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (Progress p = Progress.start("make-checkpoint " + shape + " MB", "MB", plan.fileBytes() / 1_000_000, quiet)) {
            long[] pending = {0};
            RandomCheckpointWriter.write(plan, seed, tmp, bytes -> {
                pending[0] += bytes;
                if (pending[0] >= 1_000_000) {
                    p.stepBy(pending[0] / 1_000_000);
                    pending[0] %= 1_000_000;
                }
            });
            writeTokenizer(tmp, config.vocabSize());
            install(tmp, target);
            done = true;
        } finally {
            Runtime.getRuntime().removeShutdownHook(cleanup);
            if (!done) deleteTree(tmp);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        stdout.printf(Locale.ROOT, "%s: %s %s, %,d parameters, %,d bytes in %d shard(s), seed %d, tokenizer %s (%.1f s)%n",
                out, shape, type, config.parameterCount(), plan.fileBytes(), plan.shards().size(), seed,
                tok == null ? "byte-fallback tokenizer.bin" : tokenizer.getFileName(), s);
        stdout.flush();
        return 0;
    }

    private static DType dtype(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "bf16" -> DType.BF16;
            case "f16" -> DType.F16;
            case "f32" -> DType.F32;
            default -> throw new UserError("--dtype '" + s + "': expected bf16, f16 or f32", null);
        };
    }

    /** "2GB", "512MiB", "4096": decimal units as Hugging Face's max_shard_size, binary with "i". */
    static long sizeBytes(String s) {
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*([KMG]i?B)?", java.util.regex.Pattern.CASE_INSENSITIVE)
                .matcher(s.trim());
        if (!m.matches()) throw new UserError("--shard-size '" + s + "': expected bytes or a number with KB, MB, GB, KiB, MiB or GiB", null);
        String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT);
        long mult = switch (unit) {
            case "" -> 1;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            default -> 1L << 30;
        };
        try {
            long v = Math.multiplyExact(Long.parseLong(m.group(1)), mult);
            if (v <= 0) throw new UserError("--shard-size '" + s + "' must be positive", null);
            return v;
        } catch (ArithmeticException | NumberFormatException e) {
            throw new UserError("--shard-size '" + s + "' is too large", e);
        }
    }

    private Tokenizer tokenizer(int vocab) {
        Tokenizer t;
        try {
            t = Tokenizers.load(tokenizer);
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.of(e);
        }
        if (t.vocabSize() != vocab)
            throw new UserError("--tokenizer " + tokenizer + " has " + t.vocabSize() + " tokens but shape " + shape
                    + " has vocab_size " + vocab, null);
        return t;
    }

    private void checkTarget(Path target) throws IOException {
        if (target.getParent() == null) throw new UserError("--out " + out + ": cannot be the file system root", null);
        if (Files.isRegularFile(target)) throw new UserError("--out " + out + ": is an existing file, expected a folder", null);
        if (Files.isDirectory(target) && !force) {
            try (var s = Files.list(target)) {
                if (s.findAny().isPresent())
                    throw new UserError("--out " + out + " exists and is not empty; pass --force to replace it", null);
            }
        }
    }

    static void checkSpace(Path parent, long bytes) throws IOException {
        Path at = parent;
        while (!Files.exists(at) && at.getParent() != null) at = at.getParent(); // the probe leaves no new folders
        long usable = Files.getFileStore(at).getUsableSpace();
        long need = bytes + (64L << 20); // config, index, tokenizer, and some room
        if (usable < need)
            throw new UserError(String.format(Locale.ROOT, "--out: the checkpoint needs %,d bytes but %s has %,d usable;"
                    + " free some space or pick another folder", need, parent, usable), null);
    }

    private void writeTokenizer(Path dir, int vocab) throws IOException {
        if (tokenizer == null) {
            ByteTokenizerWriter.write(dir.resolve("tokenizer.bin"), vocab);
            return;
        }
        String name = tokenizer.getFileName().toString().toLowerCase(Locale.ROOT);
        String as = name.endsWith(".json") ? "tokenizer.json" : name.endsWith(".model") ? "tokenizer.model" : "tokenizer.bin";
        // Bytes, not Files.copy: a read-only source (shared data) would give a read-only copy.
        Files.write(dir.resolve(as), Files.readAllBytes(tokenizer));
        Path cfg = tokenizer.toAbsolutePath().resolveSibling("tokenizer_config.json");
        if (as.equals("tokenizer.json") && Files.isRegularFile(cfg))
            Files.write(dir.resolve("tokenizer_config.json"), Files.readAllBytes(cfg));
    }

    /** Renames the finished folder to {@code target}; a replaced one is moved aside first and removed after. */
    private static void install(Path tmp, Path target) throws IOException {
        if (!Files.exists(target)) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path old = target.resolveSibling("." + target.getFileName() + ".old-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        deleteTree(old);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
