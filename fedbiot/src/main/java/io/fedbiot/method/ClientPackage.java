package io.fedbiot.method;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What the server hands a client once: embedding, final norm, classifier, the emulator layers and
 * the adapter layers (base weights, frozen), and the LoRA structure. Never a dropped teacher layer.
 *
 * @param layers the compressed model's base-layer order
 */
public record ClientPackage(LlamaWeights weights, int[] layers, LoraConfig lora, int[] adapterLayers, int[] emulatorLayers) {

    /** The compressed model as a client receives it (no copies on the server side). */
    public static ClientPackage of(LlamaWeights base, Split split, LoraConfig lora) {
        int[] layers = split.compressed();
        return new ClientPackage(base.subset(layers), layers, lora, split.adapter(), split.kept());
    }

    /** Name → tensor of every base weight in the package. */
    public Map<String, Tensor> tensors() {
        return weights.toTensors();
    }

    /** Bytes on the wire: each distinct tensor once, float32. */
    public long bytes() {
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        long b = 0;
        for (Tensor t : tensors().values()) if (seen.put(t, Boolean.TRUE) == null) b += 4 * t.numel();
        return b;
    }
}
