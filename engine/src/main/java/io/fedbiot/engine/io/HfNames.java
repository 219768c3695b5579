package io.fedbiot.engine.io;

/** Hugging Face LlamaForCausalLM tensor names for our canonical names. */
public final class HfNames {
    private HfNames() {}

    public static String of(String canonical) {
        switch (canonical) {
            case LlamaTensors.TOK_EMBEDDINGS: return "model.embed_tokens.weight";
            case LlamaTensors.NORM: return "model.norm.weight";
            case LlamaTensors.OUTPUT: return "lm_head.weight";
            default: break;
        }
        int layer = LlamaTensors.layerOf(canonical);
        if (layer < 0) throw new IllegalArgumentException("not a canonical LLaMA tensor name: '" + canonical + "'");
        String p = "model.layers." + layer + ".";
        return p + switch (LlamaTensors.partOf(canonical)) {
            case "attention_norm" -> "input_layernorm.weight";
            case "wq" -> "self_attn.q_proj.weight";
            case "wk" -> "self_attn.k_proj.weight";
            case "wv" -> "self_attn.v_proj.weight";
            case "wo" -> "self_attn.o_proj.weight";
            case "ffn_norm" -> "post_attention_layernorm.weight";
            case "w1" -> "mlp.gate_proj.weight";
            case "w2" -> "mlp.down_proj.weight";
            case "w3" -> "mlp.up_proj.weight";
            default -> throw new IllegalArgumentException("not a canonical LLaMA tensor name: '" + canonical + "'");
        };
    }
}
