package io.fedbiot.cli;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.ModelShapes;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.ProfilingBackend;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The options every {@code bench} workload shares: the model (a checkpoint, or a named shape with
 * random weights), {@code --profile} and {@code --json}. {@link #open} reads and checks the model
 * before any backend starts; {@link #weights} copies it onto the backend the workload runs on.
 */
public final class BenchModelOptions {
    static final Path DEFAULT_MODEL = Path.of("..", "shared", "data", "models", "stories260K.bin");

    @Option(names = "--model", paramLabel = "PATH",
            description = "Checkpoint (llama2.c .bin, .gguf, HF directory). Default: ../shared/data/models/stories260K.bin.")
    Path model;

    @Option(names = "--shape", paramLabel = "NAME",
            description = "Instead of --model: a named shape with random weights (stories260K, stories15M, tinyllama1.1B).")
    String shape;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the random weights (--shape) and token ids. Default: ${DEFAULT-VALUE}.")
    long seed = 1;

    @Option(names = "--profile", description = "Time every kernel op: calls, total ms, share of the wall time, GFLOP/s of GEMMs.")
    boolean profile;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    private Checkpoint checkpoint;
    private LlamaConfig config;

    /** Reads the checkpoint's header (or resolves the shape): a user error naming what is wrong, before any work. */
    LlamaConfig open() {
        if (model != null && shape != null) throw new UserError("give --model PATH or --shape NAME, not both", null);
        if (shape != null) {
            try {
                return config = ModelShapes.byName(shape);
            } catch (IllegalArgumentException e) {
                throw new UserError("--shape " + shape + ": " + e.getMessage(), e);
            }
        }
        Path p = model != null ? model : defaultModel();
        if (!Files.exists(p))
            throw new UserError("--model " + p + ": no such file" + (model == null ? " (the default; give --model PATH or --shape NAME)" : ""), null);
        try {
            checkpoint = Checkpoint.load(p);
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("--model " + p + ": " + CliErrors.message(e), e);
        }
        return config = checkpoint.config();
    }

    /** Releases the checkpoint when a later check refused the run before {@link #weights} copied it. */
    void close() {
        if (checkpoint != null) checkpoint.close();
        checkpoint = null;
    }

    /** Checks the backend's name, opens the model ({@link #open}), runs {@code measure} on its config, then {@link #close}s it. */
    int run(BackendChoice backend, ToIntFunction<LlamaConfig> measure) {
        backend.checkName();
        LlamaConfig c = open();
        try {
            return measure.applyAsInt(c);
        } finally {
            close();
        }
    }

    /** The profiling wrapper of {@code be} when --profile asks for one, else null. */
    ProfilingBackend profiler(Backend be) {
        if (!profile) return null;
        if (!be.isHost()) throw new UserError("--profile times host kernels: use --backend java or native, not " + be.name(), null);
        return new ProfilingBackend(be, false);   // the table shows wall time only: skip the CPU-time reads
    }

    /** What the report calls the model. */
    String label() {
        return shape != null ? shape + " (random weights, seed " + seed + ")" : String.valueOf(model != null ? model : defaultModel());
    }

    /**
     * ../shared/data/models/stories260K.bin from the working folder, else from the repository root
     * (three folders above the jar or classes folder, fedbiot/target/...), so the default works
     * from anywhere in a checkout.
     */
    static Path defaultModel() {
        if (Files.exists(DEFAULT_MODEL)) return DEFAULT_MODEL;
        try {
            var src = BenchModelOptions.class.getProtectionDomain().getCodeSource();
            Path root = src == null ? null : Path.of(src.getLocation().toURI()).getParent().getParent().getParent();
            if (root != null && Files.exists(root.resolve(DEFAULT_MODEL))) return root.resolve(DEFAULT_MODEL).normalize();
        } catch (Exception e) { // an unusual class loader: keep the working-folder default and its error
        }
        return DEFAULT_MODEL;
    }

    /** The weights as a copy owned by {@code be} (the workload may train them; the checkpoint stays untouched). */
    LlamaWeights weights(Backend be, Arena arena) {
        if (checkpoint == null) return LlamaWeights.random(config, be, arena, seed);
        // Tensor.to copies even onto the backend that owns the mapped file (LlamaWeights.on would not).
        try (Checkpoint c = checkpoint) {
            Map<String, Tensor> copies = new LinkedHashMap<>();
            c.weights().toTensors().forEach((name, t) -> copies.put(name, t.to(be, arena)));
            return LlamaWeights.fromTensors(config, copies, label());
        } finally {
            checkpoint = null;
        }
    }
}
