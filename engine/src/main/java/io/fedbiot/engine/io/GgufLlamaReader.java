package io.fedbiot.engine.io;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads a {@code llama} GGUF as a checkpoint. ggml's ne is reversed against our row-major shapes,
 * so ne=[in, out] is our [out, in] with no transpose. llama.cpp keeps llama2.c's interleaved q/k
 * layout for this architecture, hence {@link RopeStyle#INTERLEAVED}. F32 tensors are zero-copy,
 * F16/BF16 converted once; quantized types are refused by name.
 */
public final class GgufLlamaReader {
    private GgufLlamaReader() {}

    /** GGUF name of a canonical tensor. */
    public static String ggufName(String canonical) {
        switch (canonical) {
            case LlamaTensors.TOK_EMBEDDINGS: return "token_embd.weight";
            case LlamaTensors.NORM: return "output_norm.weight";
            case LlamaTensors.OUTPUT: return "output.weight";
            default: break;
        }
        String p = "blk." + LlamaTensors.layerOf(canonical) + ".";
        return p + switch (LlamaTensors.partOf(canonical)) {
            case "attention_norm" -> "attn_norm";
            case "wq" -> "attn_q";
            case "wk" -> "attn_k";
            case "wv" -> "attn_v";
            case "wo" -> "attn_output";
            case "ffn_norm" -> "ffn_norm";
            case "w1" -> "ffn_gate";
            case "w2" -> "ffn_down";
            case "w3" -> "ffn_up";
            default -> throw new IllegalArgumentException("not a canonical LLaMA tensor name: '" + canonical + "'");
        } + ".weight";
    }

    public static Checkpoint read(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return read(GgufFile.open(file, arena), arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Checkpoint read(GgufFile g, Arena arena) throws IOException {
        Path file = g.path();
        String arch = g.getString("general.architecture", "?");
        if (!arch.equals("llama"))
            throw new CheckpointFormatException(file + ": general.architecture '" + arch + "' is not supported (only llama)");
        if (g.tensors().isEmpty())
            throw new CheckpointFormatException(file + ": no tensors (a vocab-only GGUF holds no model)");
        int heads = g.getInt("llama.attention.head_count");
        int vocab = g.has("llama.vocab_size") ? g.getInt("llama.vocab_size")
                : g.has("tokenizer.ggml.tokens") ? g.arrayLength("tokenizer.ggml.tokens")
                : g.tensor("token_embd.weight").shape()[0];
        boolean tied = !g.tensors().containsKey("output.weight");
        LlamaConfig config;
        try {
            config = new LlamaConfig(g.getInt("llama.embedding_length"), g.getInt("llama.feed_forward_length"),
                    g.getInt("llama.block_count"), heads, g.getInt("llama.attention.head_count_kv", heads), vocab,
                    g.getInt("llama.context_length"), g.getFloat("llama.rope.freq_base", 10000f),
                    g.getFloat("llama.attention.layer_norm_rms_epsilon", 1e-5f), tied, RopeStyle.INTERLEAVED);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage(), e);
        }
        if (g.has("llama.rope.dimension_count") && g.getInt("llama.rope.dimension_count") != config.headSize())
            throw new CheckpointFormatException(file + ": llama.rope.dimension_count " + g.getInt("llama.rope.dimension_count")
                    + " != head size " + config.headSize() + " (partial rotary is not supported)");

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, TensorSource> sources = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        String fileName = file.getFileName().toString();
        for (var e : LlamaTensors.expected(config).entrySet()) {
            String name = ggufName(e.getKey());
            GgufTensorInfo t = g.tensor(name);
            DType stored = t.type() == null ? null : switch (t.type()) {
                case F32 -> DType.F32;
                case F16 -> DType.F16;
                case BF16 -> DType.BF16;
                default -> null;
            };
            if (stored == null)
                throw new CheckpointFormatException(file + ": tensor '" + name + "' has type " + t.typeName()
                        + (t.type() != null && t.type().isQuantized() ? " (quantized)" : "")
                        + "; only F32, F16 and BF16 can be loaded");
            int[] shape;
            try {
                shape = t.shape();
            } catch (ArithmeticException x) {
                shape = null;
            }
            if (shape == null || !Arrays.equals(shape, e.getValue()))
                throw new CheckpointFormatException(file + ": tensor '" + name + "' has ggml ne="
                        + Arrays.toString(t.ne()) + " (shape " + (shape == null ? "?" : Arrays.toString(shape))
                        + ") but the metadata implies shape " + Arrays.toString(e.getValue()));
            tensors.put(e.getKey(), TensorData.f32(g.data(t), stored, arena, shape));
            sources.put(e.getKey(), new TensorSource(fileName, name, t.typeName()));
            used.add(name);
        }
        List<String> ignored = new ArrayList<>();
        for (String n : g.tensors().keySet()) if (!used.contains(n)) ignored.add(n);
        return new Checkpoint(CheckpointFormat.GGUF, config, tensors, sources, ignored, file, arena);
    }
}
