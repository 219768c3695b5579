package io.fedbiot.cli;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.BadRows;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetReader;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.GgufFile;
import io.fedbiot.engine.io.PeftAdapter;
import io.fedbiot.engine.io.PeftAdapterReader;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.flight.TokenTable;
import io.fedbiot.kernels.Backends;
import io.fedbiot.method.ExperimentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damaged copies of every kind of input file — llama2.c, GGUF, safetensors, tokenizers, datasets,
 * auth token files, YAML configs, PEFT adapter folders — each fed to its loader: it loads, or fails with an error that
 * {@link CliErrors} maps to exit 2 and that names the file; never a hang, never an unchecked
 * NPE/IndexOutOfBounds/BufferUnderflow. Fixed seed, so a failure names a case that replays.
 */
class LoaderFuzzTest {
    private static final long SEED = 0x16_0B;
    private static final Duration PER_CASE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    /** A loader under test; whatever it returns is closed if it is closeable. */
    interface Loader {
        Object load(Path file) throws Exception;
    }

    private final List<String> failures = new ArrayList<>();
    private int cases;

    /**
     * {@code count} damaged copies of {@code original} written as {@code dir/name} (dir given: the
     * other files of an HF folder beside it), each loaded by {@code loader}.
     */
    private void fuzz(String label, byte[] original, Path dir, String name, Path loadWhat, int count, Random rnd, Loader loader)
            throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] bad = damage(original, rnd);
            Path file = dir.resolve(name);
            Files.write(file, bad);
            String what = label + " case " + i + " (" + bad.length + " of " + original.length + " bytes)";
            cases++;
            Path target = loadWhat == null ? file : loadWhat;
            try {
                Object r = assertTimeoutPreemptively(PER_CASE, () -> loader.load(target), what + " hung");
                if (r instanceof AutoCloseable c) c.close();
            } catch (Exception e) {
                if (CliErrors.exitCode(e) != CliErrors.USER)
                    failures.add(what + ": exit " + CliErrors.exitCode(e) + " for " + e + "\n    at " + top(e));
                else if (!CliErrors.message(e).contains(name))
                    failures.add(what + ": message does not name the file: " + CliErrors.message(e));
            } catch (Error e) {
                if (e instanceof org.opentest4j.AssertionFailedError) throw e;
                failures.add(what + ": " + e + "\n    at " + top(e));
            }
        }
    }

    private static String top(Throwable e) {
        return Arrays.stream(e.getStackTrace()).limit(4).map(String::valueOf).reduce((a, b) -> a + " < " + b).orElse("?");
    }

    /** Truncation (a third of the cases), 1-8 flipped bits, or a zeroed run; damage lands in the first 4 KB half of the time. */
    static byte[] damage(byte[] src, Random rnd) {
        int head = Math.min(src.length, 4096);
        int kind = rnd.nextInt(3);
        if (kind == 0) {
            int cut = rnd.nextBoolean() ? rnd.nextInt(head) : rnd.nextInt(src.length);
            return Arrays.copyOf(src, cut);
        }
        byte[] b = src.clone();
        if (kind == 1) {
            int flips = 1 + rnd.nextInt(8);
            for (int f = 0; f < flips; f++) {
                int at = rnd.nextBoolean() ? rnd.nextInt(head) : rnd.nextInt(b.length);
                b[at] ^= (byte) (1 << rnd.nextInt(8));
            }
        } else {
            int at = rnd.nextBoolean() ? rnd.nextInt(head) : rnd.nextInt(b.length);
            int len = 1 + rnd.nextInt(Math.min(64, b.length - at));
            Arrays.fill(b, at, at + len, (byte) (rnd.nextBoolean() ? 0 : 0xff));
        }
        return b;
    }

    private static byte[] model(String rel) throws Exception {
        return Files.readAllBytes(CliRun.model(rel));
    }

    private static byte[] data(String rel) throws Exception {
        Path f = CliRun.shared().resolve("data/datasets").resolve(rel);
        assertTrue(Files.isRegularFile(f), "missing test data " + f.toAbsolutePath());
        return Files.readAllBytes(f);
    }

    /** The first {@code n} lines of a text file, so that each case stays cheap. */
    private static byte[] head(byte[] text, int n) {
        String[] lines = new String(text, StandardCharsets.UTF_8).split("\n", n + 1);
        return String.join("\n", Arrays.copyOf(lines, Math.min(n, lines.length))).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void damagedInputsEndInAClearInputError() throws Exception {
        Random rnd = new Random(SEED);
        long start = System.nanoTime();

        fuzz("llama2.c", model("stories260K.bin"), tmp, "fuzz.bin", null, 60, rnd, Checkpoint::load);
        fuzz("gguf model", model("gguf/stories260K.gguf"), tmp, "fuzz.gguf", null, 60, rnd, Checkpoint::load);
        fuzz("gguf file", model("gguf/ggml-vocab-llama-spm.gguf"), tmp, "vocab.gguf", null, 30, rnd, GgufFile::open);

        Path hf = Files.createDirectories(tmp.resolve("hf"));
        Files.copy(CliRun.model("hf-tiny-llama-random/config.json"), hf.resolve("config.json"));
        fuzz("safetensors", model("hf-tiny-llama-random/model.safetensors"), hf, "model.safetensors", hf, 50, rnd, Checkpoint::load);
        Files.copy(CliRun.model("hf-tiny-llama-random/model.safetensors"), hf.resolve("model.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        fuzz("hf config.json", model("hf-tiny-llama-random/config.json"), hf, "config.json", hf, 30, rnd, Checkpoint::load);

        fuzz("tokenizer.bin", model("tok512.bin"), tmp, "tok.bin", null, 40, rnd, Tokenizers::load);
        fuzz("tokenizer.model", model("tokenizer.model"), tmp, "tok.model", null, 30, rnd, Tokenizers::load);
        fuzz("tokenizer.json", model("hf-llama-tokenizer/tokenizer.json"), tmp, "tokenizer.json", null, 10, rnd, Tokenizers::load);
        fuzz("gguf tokenizer", model("gguf/ggml-vocab-llama-spm.gguf"), tmp, "tok.gguf", null, 20, rnd, Tokenizers::load);

        fuzz("gsm8k jsonl", head(data("gsm8k/train.jsonl"), 40), tmp, "gsm8k.jsonl", null, 30, rnd,
                f -> DatasetReader.readAll(f, DataFormat.GSM8K, new BadRows(BadRowPolicy.FAIL)));
        fuzz("alpaca json", head(data("alpaca/alpaca_small.json"), 200), tmp, "alpaca.json", null, 30, rnd,
                f -> DatasetReader.readAll(f, DataFormat.ALPACA, new BadRows(BadRowPolicy.SKIP)));

        byte[] table = "# clients\nalice 0123456789abcdef0123\nbob fedcba9876543210fedc\n".getBytes(StandardCharsets.UTF_8);
        fuzz("token table", table, tmp, "tokens.txt", null, 25, rnd, TokenTable::load);
        fuzz("client token", "0123456789abcdef0123\n".getBytes(StandardCharsets.UTF_8), tmp, "client.token", null, 15, rnd,
                TokenTable::readClientToken);

        Path root = Path.of("").toAbsolutePath().getParent();
        fuzz("example.yaml", Files.readAllBytes(root.resolve("configs/example.yaml")), tmp, "config.yaml", null, 60, rnd,
                f -> ExperimentConfig.load(f, List.of()));

        // A PEFT adapter folder: each of its two files damaged in turn, the other one intact.
        Path adapter = Files.createDirectories(tmp.resolve("adapter"));
        try (Checkpoint ck = Checkpoint.load(CliRun.model("stories260K.bin")); Arena arena = Arena.ofShared()) {
            LoraSet lora = LoraSet.create(ck.config(), new LoraConfig(4, 8f, 0f, EnumSet.allOf(LoraTarget.class)), new int[]{1, 3},
                    Backends.java(), arena, new Rng(5));
            new Rng(6).normal(lora.params().flat(), 0.1);
            PeftAdapter.save(lora, adapter, "stories260K");
            byte[] cfg = Files.readAllBytes(adapter.resolve(PeftAdapter.CONFIG));
            Loader peft = dir -> {
                try (Arena a = Arena.ofShared()) {
                    return PeftAdapterReader.read(dir, ck.config(), Backends.java(), a).summary();
                }
            };
            fuzz("adapter_config.json", cfg, adapter, PeftAdapter.CONFIG, adapter, 40, rnd, peft);
            Files.write(adapter.resolve(PeftAdapter.CONFIG), cfg);
            fuzz("adapter_model.safetensors", Files.readAllBytes(adapter.resolve(PeftAdapter.WEIGHTS)), adapter, PeftAdapter.WEIGHTS,
                    adapter, 40, rnd, peft);
        }

        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases failed:\n" + String.join("\n", failures));
        assertTrue(cases >= 400, "cases: " + cases);
        assertTrue(seconds < 20, "took " + seconds + " s");
    }
}
