package io.fedbiot.cli;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.LlamaTensors;
import io.fedbiot.engine.io.TensorSource;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.method.Method;
import io.fedbiot.method.Split;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code fedbiot inspect PATH}: format, config, tensors and parameter counts of a model checkpoint.
 * With {@code --split METHOD}: which layers go where under that method (ALGORITHM.md §2), for L
 * from {@code --layers} or from the checkpoint at PATH. With {@code --system}: this machine's CPU
 * features, native kernel variants, Vector API species and GPU ({@link SystemInfo}).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print a model checkpoint's format, config, tensors (name, shape, dtype on disk) and parameter counts.",
                "With --split: the method's layer split (teacher window, adapter, emulator, dropped layers, compressed model)"
                        + " for --layers L or the checkpoint at PATH.",
                "With --system: the CPU and its SIMD features, the native kernel variants and which one runs, the Vector API"
                        + " species, the GPU probe and what --backend auto would pick (--json for machines)."})
public final class InspectCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PATH", arity = "0..1",
            description = "llama2.c .bin, GGUF file, or Hugging Face directory (config.json + safetensors)")
    Path path;

    @Option(names = "--split", paramLabel = "METHOD", description = "Show the layer split of fedbiot, fedot, offsite-tuning or fedlora.")
    String split;

    @Option(names = "--layers", paramLabel = "L", description = "Decoder layers of the model (instead of PATH), with --split.")
    Integer layers;

    @Option(names = "--adapter", paramLabel = "A", description = "FedBiOT's top adapter layers a, with --split. Default: 2.")
    Integer adapter;

    @Option(names = "--beta", paramLabel = "BETA", description = "Drop rate β of the teacher layers, in [0, 1), with --split. Default: 0.2.")
    Double drop;

    @Option(names = "--system", description = "Describe this machine for the kernels instead of a checkpoint.")
    boolean system;

    @Option(names = "--json", description = "With --system: print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        if (system || json) return callSystem();
        if (split != null) return callSplit();
        PrintWriter out = spec.commandLine().getOut();
        if (path == null || layers != null || adapter != null || drop != null) {
            throw usage(path == null ? "PATH is required (or --split METHOD with --layers L)"
                    : "--layers, --adapter and --beta need --split METHOD");
        }
        try (Checkpoint c = Checkpoint.load(path)) {
            print(c, out);
            out.flush();
            return 0;
        } catch (IOException | IllegalArgumentException e) { // inspect only reads: every failure is the file's
            throw UserError.of(e);
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

    private Integer callSystem() {
        if (!system) throw usage("--json needs --system");
        if (path != null || split != null || layers != null || adapter != null || drop != null)
            throw usage("--system takes no PATH, --split, --layers, --adapter or --beta");
        SystemInfo info = SystemInfo.capture();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            try {
                out.println(new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(info.toMap()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            info.print(out);
        }
        out.flush();
        return 0;
    }

    private Integer callSplit() {
        PrintWriter out = spec.commandLine().getOut();
        Method m;
        try {
            m = Method.parse(split);
        } catch (IllegalArgumentException e) {
            throw usage("--split: " + e.getMessage());
        }
        if ((path == null) == (layers == null)) throw usage("--split needs the layer count: give either --layers L or a model PATH, not both");
        int a = adapter == null ? 2 : adapter;
        double beta = drop == null ? 0.2 : drop;
        String source;
        int L;
        if (layers != null) {
            L = layers;
            source = "--layers " + L;
        } else {
            try (Checkpoint c = Checkpoint.load(path)) {
                L = c.config().nLayers();
            } catch (IOException | IllegalArgumentException e) {
                throw UserError.of(e);
            }
            source = path.toString();
        }
        if (L < 1) throw usage("--layers must be at least 1, got " + L);
        if (!(beta >= 0 && beta < 1)) throw usage("--beta must be in [0, 1), got " + beta);
        // The adapter size only shapes FedBiOT, but a value no split could use is a mistake either way.
        if (a < 1 || a >= L) throw usage("--adapter must be in [1, " + (L - 1) + "] for " + L + " layers, got " + a);
        Split s;
        try {
            s = Split.of(m, L, a, beta);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (adapter != null && m != Method.FEDBIOT) {
            spec.commandLine().getErr().println("fedbiot inspect: note: --adapter only sizes FedBiOT's adapter; "
                    + m.label() + (m == Method.FEDLORA ? " puts LoRA on every layer" : " always adapts the bottom 2 and top 2 layers"));
        }
        printSplit(s, source, out);
        out.flush();
        return 0;
    }

    private static UserError usage(String message) {
        return new UserError(message, null);
    }

    /** The split, one role per line, in base-layer indices; the emulator table maps each kept layer to its teacher segment. */
    static void printSplit(Split s, String source, PrintWriter out) {
        int L = s.layers();
        out.printf(Locale.ROOT, "%s split of %d layers (%s), adapter a = %s, drop rate β = %s%n", s.method().label(), L, source,
                s.method() == Method.FEDBIOT ? s.adapter().length : s.method() == Method.FEDLORA ? "all" : "2 + 2", s.drop());
        if (!s.hasEmulator()) {
            out.println("teacher window:  none (no emulator; every client holds the full model)");
            out.println("adapter:         all layers " + range(0, L) + ", LoRA on each");
            out.println("compressed model: none; clients train the full model " + list(s.adapter()));
            return;
        }
        int l = s.teacherFrom(), r = s.teacherTo(), n = r - l;
        int[] bottom = Arrays.stream(s.adapter()).filter(x -> x < l).toArray();
        int[] top = Arrays.stream(s.adapter()).filter(x -> x >= r).toArray();
        out.printf(Locale.ROOT, "teacher window:  layers %s = [%d, %d), %d layers; stays on the server, compressed into the emulator%n",
                range(l, r), l, r, n);
        out.println("adapter bottom:  " + (bottom.length == 0 ? "none" : list(bottom)));
        out.println("adapter top:     " + (top.length == 0 ? "none" : list(top)));
        out.printf(Locale.ROOT, "emulator:        keeps %d of %d teacher layers, drops %d%n", s.kept().length, n, s.dropped().length);
        out.println("kept:            " + list(s.kept()));
        out.println("dropped:         " + (s.dropped().length == 0 ? "none" : list(s.dropped())));
        if (s.method() == Method.OFFSITE_TUNING) out.println("clients:         one, holding every client's data");
        out.println("emulator layer  kept teacher layer  stands for teacher layers");
        for (int i = 0; i < s.kept().length; i++) {
            int[] seg = s.segment(i);
            out.printf(Locale.ROOT, "  %5d         %5d               %s%n", i, s.kept()[i], range(seg[0], seg[1]));
        }
        int[] c = s.compressed();
        out.printf(Locale.ROOT, "compressed model, %d layers bottom to top: %s%n", c.length, list(c));
        out.printf(Locale.ROOT, "  = adapter bottom [%s] + emulator [%s] + adapter top [%s]%n",
                list(bottom), list(s.kept()), list(top));
    }

    private static String list(int[] xs) {
        return Arrays.stream(xs).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
    }

    /** [from, to) as "from..to-1", or a single layer. */
    private static String range(int from, int to) {
        return to - from == 1 ? Integer.toString(from) : from + ".." + (to - 1);
    }
}
