package io.fedbiot.flight;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.kernels.Backends;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA set's flat block (what the round loop holds, alignment padding included) as named
 * tensors {@code prefix + layers.{l}.{target}.lora_A|B} and back. The padding between views is
 * always zero (nothing trains it), so a round trip is exact.
 */
final class LoraCodec implements AutoCloseable {
    private final String prefix;
    private final Arena arena = Arena.ofShared();
    private final LoraSet scratch;

    LoraCodec(String prefix, LlamaConfig model, LoraConfig lora, int[] layers) {
        this.prefix = prefix;
        this.scratch = LoraSet.empty(model, lora, layers, Backends.java(), arena);
    }

    /** Name → shape of every tensor, in order. */
    Map<String, int[]> shapes() {
        Map<String, int[]> m = new LinkedHashMap<>();
        scratch.params().named().forEach((k, t) -> m.put(prefix + k, t.shape()));
        return m;
    }

    int flatLength() {
        return Math.toIntExact(scratch.params().flat().numel());
    }

    synchronized List<WireTensor> split(float[] flat) {
        scratch.params().flat().copyFrom(flat);
        List<WireTensor> out = new ArrayList<>();
        scratch.params().named().forEach((k, t) -> out.add(new WireTensor(prefix + k, t.shape(), t.toFloatArray())));
        return out;
    }

    /** The flat block from tensors that {@link #shapes} has already checked (every name once). */
    synchronized float[] join(List<WireTensor> tensors) {
        scratch.params().flat().copyFrom(new float[flatLength()]);
        Map<String, Tensor> named = scratch.params().named();
        for (WireTensor w : tensors) {
            Tensor t = named.get(w.name().substring(prefix.length()));
            if (t == null) throw new IllegalArgumentException("unknown tensor '" + w.name() + "'");
            t.copyFrom(w.values());
        }
        return scratch.params().flat().toFloatArray();
    }

    @Override
    public void close() {
        arena.close();
    }
}
