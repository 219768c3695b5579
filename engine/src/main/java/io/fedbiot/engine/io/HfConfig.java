package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
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
        JsonNode j;
        try {
            j = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) throw new CheckpointFormatException(file + ": not a JSON object");
        String type = j.path("model_type").asText("llama");
        if (!type.equals("llama"))
            throw new CheckpointFormatException(file + ": model_type '" + type + "' is not supported (only llama)");
        // Features our model does not implement would silently change results: refuse them.
        if (j.path("attention_bias").asBoolean(false) || j.path("mlp_bias").asBoolean(false))
            throw new CheckpointFormatException(file + ": attention_bias/mlp_bias are not supported");
        if (j.hasNonNull("rope_scaling"))
            throw new CheckpointFormatException(file + ": rope_scaling " + j.get("rope_scaling") + " is not supported");
        int dim = req(j, file, "hidden_size"), heads = req(j, file, "num_attention_heads");
        if (j.hasNonNull("head_dim") && heads > 0 && j.get("head_dim").asInt() * heads != dim)
            throw new CheckpointFormatException(file + ": head_dim " + j.get("head_dim") + " × " + heads
                    + " heads != hidden_size " + dim + " is not supported");
        try {
            return new LlamaConfig(dim, req(j, file, "intermediate_size"), req(j, file, "num_hidden_layers"), heads,
                    j.hasNonNull("num_key_value_heads") ? j.get("num_key_value_heads").asInt() : heads,
                    req(j, file, "vocab_size"), j.path("max_position_embeddings").asInt(2048),
                    (float) j.path("rope_theta").asDouble(10000), (float) j.path("rms_norm_eps").asDouble(1e-6),
                    j.path("tie_word_embeddings").asBoolean(false), RopeStyle.HALF_SPLIT);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static int req(JsonNode j, Path file, String key) throws CheckpointFormatException {
        JsonNode v = j.get(key);
        if (v == null || !v.canConvertToInt())
            throw new CheckpointFormatException(file + ": missing or non-integer '" + key + "'");
        return v.asInt();
    }

    /** config.json text for {@code c} (its tensors stored in HF layout, F32). */
    public static String toJson(LlamaConfig c) throws IOException {
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
        j.put("torch_dtype", "float32");
        return JSON.writeValueAsString(j) + "\n";
    }
}
