package io.fedbiot.engine.io;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A LLaMA model's weights: its config and F32 host tensors under canonical names (see
 * {@link LlamaTensors}), in canonical order. The tensors are zero-copy slices of the memory-mapped
 * file(s) where the file holds F32, or converted copies; all live in {@link #arena()}, which
 * {@link #close()} closes — the tensors must not be used after that.
 */
public final class Checkpoint implements AutoCloseable {
    private final CheckpointFormat format;
    private final LlamaConfig config;
    private final Map<String, Tensor> tensors;
    private final Map<String, TensorSource> sources;
    private final List<String> ignored;
    private final Path source;
    private final Arena arena;

    /**
     * Checks that {@code tensors} are exactly the config's canonical tensors, F32, with the
     * expected shapes. {@code sources} may be empty (tensors made in memory); the checkpoint owns
     * {@code arena}.
     */
    public Checkpoint(CheckpointFormat format, LlamaConfig config, Map<String, Tensor> tensors,
                      Map<String, TensorSource> sources, List<String> ignored, Path source, Arena arena) {
        this.format = format;
        this.config = Objects.requireNonNull(config);
        this.source = source;
        this.arena = Objects.requireNonNull(arena);
        Map<String, int[]> expected = LlamaTensors.expected(config);
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (var e : expected.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null) throw new IllegalArgumentException(source + ": missing tensor '" + e.getKey() + "'");
            if (!Arrays.equals(t.shape(), e.getValue()) || t.dtype() != DType.F32)
                throw new IllegalArgumentException(source + ": tensor '" + e.getKey() + "' is " + t.dtype()
                        + Arrays.toString(t.shape()) + ", expected F32" + Arrays.toString(e.getValue()));
            ordered.put(e.getKey(), t.named(e.getKey()));
        }
        for (String k : tensors.keySet())
            if (!expected.containsKey(k))
                throw new IllegalArgumentException(source + ": unexpected tensor '" + k + "' for " + config);
        this.tensors = Collections.unmodifiableMap(ordered);
        this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
        this.ignored = List.copyOf(ignored);
    }

    /**
     * Loads a checkpoint, detecting the format: a directory with config.json is Hugging Face,
     * a file starting with "GGUF" is GGUF, any other file is a llama2.c {@code .bin}. Every
     * weight is checked to be finite (a NaN or infinity names its tensor).
     */
    public static Checkpoint load(Path path) throws IOException {
        Checkpoint c = switch (detect(path)) {
            case HF_SAFETENSORS -> HfReader.read(path);
            case GGUF -> GgufLlamaReader.read(path);
            case LLAMA2C -> Llama2cReader.read(path);
        };
        try {
            FiniteWeights.check(c);
        } catch (CheckpointFormatException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * The format {@link #load} would use for {@code path}; a file of another recognised kind
     * (safetensors, JSON, zip) is refused here, naming what it is and what to give instead.
     */
    public static CheckpointFormat detect(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("config.json"))) return CheckpointFormat.HF_SAFETENSORS;
            throw new CheckpointFormatException(path + ": a directory without config.json is not a Hugging Face checkpoint"
                    + holding(path));
        }
        if (!Files.isRegularFile(path)) throw new java.nio.file.NoSuchFileException(path.toString());
        String kind = FileKind.recognise(FileKind.head(path), Files.size(path));
        if (kind == null) return CheckpointFormat.LLAMA2C;
        if (kind.equals("a GGUF file")) return CheckpointFormat.GGUF;
        String hint = kind.startsWith("a zip") ? "not supported: convert it to a Hugging Face folder (safetensors), GGUF or llama2.c .bin"
                : "give the Hugging Face folder that holds config.json and model.safetensors";
        throw new CheckpointFormatException(path + " is " + kind + ", not a model checkpoint; " + hint);
    }

    /** " (it holds: a, b, c)" for a folder's first few entries, to show what was given instead. */
    private static String holding(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().limit(6).toList();
            return names.isEmpty() ? " (it is empty)" : " (it holds: " + String.join(", ", names) + ")";
        }
    }

    /** Writes a Hugging Face directory (config.json + model.safetensors, HF names and q/k layout). */
    public void save(Path dir) throws IOException {
        HfWriter.write(this, dir);
    }

    /** The tensor {@code name}; throws naming the source and the tensor when absent. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            String why = name.equals(LlamaTensors.OUTPUT) && config.tiedClassifier()
                    ? " (the classifier is tied: use '" + LlamaTensors.TOK_EMBEDDINGS + "')" : "";
            throw new IllegalArgumentException(source + ": no tensor '" + name + "'" + why);
        }
        return t;
    }

    /** The tensors as the frozen base of a model (shapes checked against the config). */
    public io.fedbiot.engine.model.LlamaWeights weights() {
        return io.fedbiot.engine.model.LlamaWeights.fromTensors(config, tensors, source.toString());
    }

    /** The classifier weight: {@code output}, or {@code tok_embeddings} when tied. */
    public Tensor classifier() {
        return tensor(config.tiedClassifier() ? LlamaTensors.TOK_EMBEDDINGS : LlamaTensors.OUTPUT);
    }

    public CheckpointFormat format() { return format; }
    public LlamaConfig config() { return config; }
    /** Canonical name → tensor, in canonical order. */
    public Map<String, Tensor> tensors() { return tensors; }
    /** Canonical name → where it was read from (empty for in-memory checkpoints). */
    public Map<String, TensorSource> sources() { return sources; }
    /** Tensors present in the file(s) but not used (e.g. freq_cis, rotary inv_freq). */
    public List<String> ignored() { return ignored; }
    public Path source() { return source; }
    public Arena arena() { return arena; }

    /** Total parameters (a tied classifier counted once). */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(Tensor::numel).sum();
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return format + " " + source + " " + config;
    }
}
