package io.fedbiot.engine.model;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.cuda.CudaBackend;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The frozen base copied onto another backend once, to stay there for the whole run. With
 * {@code bf16} (CUDA only) the linear weights of every layer and a separate classifier are stored
 * as bf16 on the device (half the memory; products go through cuBLAS with float32 accumulation);
 * norms and the embedding table stay float32 (a tied classifier therefore stays float32 too).
 */
public final class DeviceWeights {
    private DeviceWeights() {}

    public static LlamaWeights toDevice(LlamaWeights w, Backend be, Arena arena, boolean bf16) {
        if (bf16 && !(be instanceof CudaBackend))
            throw new IllegalArgumentException("bf16 base weights need the cuda backend, not " + be.name());
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights l : w.layers()) {
            if (l == null) {
                layers.add(null);
                continue;
            }
            layers.add(new LayerWeights(copy(l.attentionNorm(), be, arena, false),
                    copy(l.wq(), be, arena, bf16), copy(l.wk(), be, arena, bf16), copy(l.wv(), be, arena, bf16),
                    copy(l.wo(), be, arena, bf16), copy(l.ffnNorm(), be, arena, false),
                    copy(l.w1(), be, arena, bf16), copy(l.w2(), be, arena, bf16), copy(l.w3(), be, arena, bf16)));
        }
        return new LlamaWeights(w.config(), copy(w.tokEmbeddings(), be, arena, false), layers,
                copy(w.norm(), be, arena, false), w.output() == null ? null : copy(w.output(), be, arena, bf16));
    }

    private static Tensor copy(Tensor t, Backend be, Arena arena, boolean bf16) {
        if (!bf16) return t.backend() == be ? t : t.to(be, arena);
        CudaBackend cuda = (CudaBackend) be;
        Tensor out = Tensor.zeros(be, DType.BF16, arena, t.shape());
        try (Arena staging = Arena.ofShared()) {
            Tensor f32 = t.to(be, staging);   // freed once converted
            cuda.toBf16(out.buf(), f32.buf(), t.numel());
            cuda.synchronize();
        }
        return out;
    }
}
