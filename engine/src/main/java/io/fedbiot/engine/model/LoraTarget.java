package io.fedbiot.engine.model;

import java.util.Locale;

/** The linear weights of a LLaMA layer that LoRA can adapt. */
public enum LoraTarget {
    WQ("self_attn.q_proj"), WK("self_attn.k_proj"), WV("self_attn.v_proj"), WO("self_attn.o_proj"),
    W1("mlp.gate_proj"), W2("mlp.down_proj"), W3("mlp.up_proj");

    private final String hfModule;

    LoraTarget(String hfModule) {
        this.hfModule = hfModule;
    }

    /** The Hugging Face / PEFT module path inside a layer, e.g. {@code self_attn.q_proj}. */
    public String hfModule() {
        return hfModule;
    }

    /** Our short name: wq, wk, wv, wo, w1, w2, w3. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static LoraTarget parse(String s) {
        for (LoraTarget t : values())
            if (t.key().equalsIgnoreCase(s) || t.hfModule.endsWith("." + s)) return t;
        throw new IllegalArgumentException("unknown LoRA target '" + s + "'; use wq, wk, wv, wo, w1, w2, w3");
    }
}
