package io.fedbiot.engine.model;

import io.fedbiot.engine.Tensor;

/** The frozen weights of one decoder layer; linear weights are [out, in]. */
public record LayerWeights(Tensor attentionNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                           Tensor ffnNorm, Tensor w1, Tensor w2, Tensor w3) {

    /** The weight a LoRA target adapts. */
    public Tensor weight(LoraTarget t) {
        return switch (t) {
            case WQ -> wq;
            case WK -> wk;
            case WV -> wv;
            case WO -> wo;
            case W1 -> w1;
            case W2 -> w2;
            case W3 -> w3;
        };
    }
}
