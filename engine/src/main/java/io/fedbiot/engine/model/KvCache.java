package io.fedbiot.engine.model;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.Backend;

import java.lang.foreign.Arena;

/** Keys and values of every layer for one sequence: [maxT, G, D] per layer, filled position by position. */
public final class KvCache {
    private final Tensor[] k, v;
    private final int maxT;

    KvCache(LlamaConfig c, int layers, int maxT, Backend be, Arena arena) {
        this.maxT = maxT;
        k = new Tensor[layers];
        v = new Tensor[layers];
        for (int i = 0; i < layers; i++) {
            k[i] = Tensor.zeros(be, DType.F32, arena, maxT, c.nKvHeads(), c.headSize());
            v[i] = Tensor.zeros(be, DType.F32, arena, maxT, c.nKvHeads(), c.headSize());
        }
    }

    public int capacity() {
        return maxT;
    }

    /** Stores k and v [1, Tq, G, D] at positions pos..pos+Tq-1 and returns the filled prefixes [1, pos+Tq, G, D]. */
    Tensor[] append(int layer, Tensor newK, Tensor newV, int pos) {
        int tq = newK.dim(1), end = pos + tq;
        if (end > maxT) throw new IllegalStateException("KV cache of " + maxT + " positions is full at position " + end);
        Backend be = newK.backend();
        be.copy(k[layer].sliceRows(pos, end).buf(), newK.buf(), newK.numel());
        be.copy(v[layer].sliceRows(pos, end).buf(), newV.buf(), newV.numel());
        int g = newK.dim(2), d = newK.dim(3);
        return new Tensor[]{k[layer].sliceRows(0, end).view(1, end, g, d), v[layer].sliceRows(0, end).view(1, end, g, d)};
    }
}
