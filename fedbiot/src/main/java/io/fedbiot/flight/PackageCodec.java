package io.fedbiot.flight;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LayerWeights;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.kernels.Backend;
import io.fedbiot.method.ClientPackage;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The compressed model a client rebuilds from the package stream (absent layers stay absent). */
final class PackageCodec {
    private PackageCodec() {}

    static ClientPackage build(Wire.Package h, List<WireTensor> tensors, Backend be, Arena arena) {
        Map<String, Tensor> t = new HashMap<>();
        for (WireTensor w : tensors) t.put(w.name(), Tensor.of(be, arena, w.values(), w.shape()).named(w.name()));
        var c = h.config();
        List<LayerWeights> layers = new ArrayList<>(Collections.nCopies(c.nLayers(), (LayerWeights) null));
        for (int l : h.layers()) {
            String p = "layers." + l + ".";
            layers.set(l, new LayerWeights(need(t, p + "attention_norm"), need(t, p + "wq"), need(t, p + "wk"), need(t, p + "wv"),
                    need(t, p + "wo"), need(t, p + "ffn_norm"), need(t, p + "w1"), need(t, p + "w2"), need(t, p + "w3")));
        }
        LlamaWeights w = new LlamaWeights(c, need(t, "tok_embeddings"), layers, need(t, "norm"),
                c.tiedClassifier() ? null : need(t, "output"));
        return new ClientPackage(w, h.layers(), h.lora(), h.adapterLayers(), h.emulatorLayers());
    }

    private static Tensor need(Map<String, Tensor> t, String name) {
        Tensor x = t.get(name);
        if (x == null) throw new IllegalArgumentException("the server's package lacks tensor '" + name + "'");
        return x;
    }
}
