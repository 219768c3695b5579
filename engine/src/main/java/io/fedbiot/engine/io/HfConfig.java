package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;

import java.io.IOException;
import java.nio.file.Path;

/** Reads and writes a Hugging Face LLaMA config.json. */
public final class HfConfig {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfConfig() {}

    /** The config of {@code file}; q/k rows in HF layout, so {@link RopeStyle#HALF_SPLIT}. */
    public static LlamaConfig read(Path file) throws IOException {
        JsonFiles j = JsonFiles.readObject(file); // parse errors name file, line and column; getters name the key
        String type = j.text("model_type", "llama");
        if (!type.equals("llama"))
            throw new CheckpointFormatException(file + ": model_type '" + type + "' is not supported (only llama)");
        // Features our model does not implement would silently change results: refuse them.
        if (j.bool("attention_bias", false) || j.bool("mlp_bias", false))
            throw new CheckpointFormatException(file + ": attention_bias/mlp_bias are not supported");
        if (j.get("rope_scaling") != null)
            throw new CheckpointFormatException(file + ": rope_scaling " + j.get("rope_scaling") + " is not supported");
        int dim = j.requireInt("hidden_size"), heads = j.requireInt("num_attention_heads");
        if (j.get("head_dim") != null && heads > 0 && j.requireInt("head_dim") * heads != dim)
            throw new CheckpointFormatException(file + ": head_dim " + j.get("head_dim") + " × " + heads
                    + " heads != hidden_size " + dim + " is not supported");
        try {
            return new LlamaConfig(dim, j.requireInt("intermediate_size"), j.requireInt("num_hidden_layers"), heads,
                    j.integer("num_key_value_heads", heads), j.requireInt("vocab_size"), j.integer("max_position_embeddings", 2048),
                    (float) j.number("rope_theta", 10000), (float) j.number("rms_norm_eps", 1e-6),
                    j.bool("tie_word_embeddings", false), RopeStyle.HALF_SPLIT);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** config.json text for {@code c} (its tensors stored in HF layout, F32). */
    public static String toJson(LlamaConfig c) throws IOException {
        return toJson(c, "float32");
    }

    /** config.json text for {@code c} with tensors stored as {@code torchDtype} (float32, bfloat16, float16). */
    public static String toJson(LlamaConfig c, String torchDtype) throws IOException {
        ObjectNode j = JSON.createObjectNode();
        j.putArray("architectures").add("LlamaForCausalLM");
        j.put("model_type", "llama");
        j.put("hidden_act", "silu");
        j.put("hidden_size", c.dim());
        j.put("intermediate_size", c.hiddenDim());
        j.put("num_hidden_layers", c.nLayers());
        j.put("num_attention_heads", c.nHeads());
        j.put("num_key_value_heads", c.nKvHeads());
        j.put("vocab_size", c.vocabSize());
        j.put("max_position_embeddings", c.maxSeqLen());
        j.put("rope_theta", c.ropeTheta());
        j.put("rms_norm_eps", c.normEps());
        j.put("tie_word_embeddings", c.tiedClassifier());
        j.put("attention_bias", false);
        j.put("mlp_bias", false);
        j.put("torch_dtype", torchDtype);
        return JSON.writeValueAsString(j) + "\n";
    }
}
