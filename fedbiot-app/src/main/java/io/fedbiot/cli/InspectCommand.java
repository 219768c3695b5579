package io.fedbiot.cli;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.LlamaTensors;
import io.fedbiot.engine.io.TensorSource;
import io.fedbiot.engine.model.LlamaConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code fedbiot inspect PATH}: format, config, tensors and parameter counts of a model checkpoint. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a model checkpoint's format, config, tensors (name, shape, dtype on disk) and parameter counts.")
public final class InspectCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PATH",
            description = "llama2.c .bin, GGUF file, or Hugging Face directory (config.json + safetensors)")
    Path path;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Checkpoint c = Checkpoint.load(path)) {
            print(c, out);
            out.flush();
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("fedbiot inspect: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    static void print(Checkpoint c, PrintWriter out) {
        LlamaConfig k = c.config();
        out.println("path:    " + c.source());
        out.println("format:  " + c.format());
        out.println("config:");
        out.printf(Locale.ROOT, "  dim %d, hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d (head_size %d, kv_dim %d)%n",
                k.dim(), k.hiddenDim(), k.nLayers(), k.nHeads(), k.nKvHeads(), k.headSize(), k.kvDim());
        out.printf(Locale.ROOT, "  vocab_size %d, max_seq_len %d, rope_theta %s, norm_eps %s, rope_style %s, tied_classifier %s%n",
                k.vocabSize(), k.maxSeqLen(), k.ropeTheta(), k.normEps(), k.ropeStyle(), k.tiedClassifier());

        Map<String, Tensor> ts = c.tensors();
        int nameW = ts.keySet().stream().mapToInt(String::length).max().orElse(4);
        out.println("tensors (" + ts.size() + "):");
        out.printf(Locale.ROOT, "  %-" + nameW + "s  %-12s  %-6s  %s%n", "name", "shape", "dtype", "on disk");
        for (var e : ts.entrySet()) {
            TensorSource s = c.sources().get(e.getKey());
            out.printf(Locale.ROOT, "  %-" + nameW + "s  %-12s  %-6s  %s%n", e.getKey(), Arrays.toString(e.getValue().shape()),
                    s == null ? "F32" : s.diskDtype(), s == null ? "" : s.file() + ":" + s.diskName());
        }
        if (!c.ignored().isEmpty()) out.println("not used: " + String.join(", ", c.ignored()));

        long embedding = c.tensor(LlamaTensors.TOK_EMBEDDINGS).numel();
        long perLayer = 0;
        for (String part : LlamaTensors.LAYER_PARTS) perLayer += c.tensor(LlamaTensors.layer(0, part)).numel();
        long layers = ts.entrySet().stream().filter(e -> LlamaTensors.layerOf(e.getKey()) >= 0)
                .mapToLong(e -> e.getValue().numel()).sum();
        out.println("parameters:");
        out.printf(Locale.ROOT, "  total       %,d%n", c.parameterCount());
        out.printf(Locale.ROOT, "  per layer   %,d (x %d layers = %,d)%n", perLayer, k.nLayers(), layers);
        out.printf(Locale.ROOT, "  embedding   %,d%n", embedding);
        out.printf(Locale.ROOT, "  classifier  %s%n", k.tiedClassifier() ? "tied to the embedding (0 extra)"
                : String.format(Locale.ROOT, "%,d", c.tensor(LlamaTensors.OUTPUT).numel()));
        out.printf(Locale.ROOT, "  final norm  %,d%n", c.tensor(LlamaTensors.NORM).numel());
    }
}
