package io.fedbiot.method;

import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CostsTest {
    static final LlamaConfig L32 = new LlamaConfig(4096, 11008, 32, 32, 32, 32000, 2048, 10000f, 1e-5f, false, RopeStyle.INTERLEAVED);

    @Test
    void fedbiotBackpropagatesThroughItsAdapterOnlyAndFedotThroughEverything() {
        Split bi = Split.of(Method.FEDBIOT, 32, 2, 0.2), ot = Split.of(Method.FEDOT, 32, 2, 0.2);
        assertEquals(2, Costs.backwardDepth(bi));
        assertEquals(ot.compressed().length, Costs.backwardDepth(ot));
        assertTrue(Costs.clientStep(L32, bi, 1, 512) < Costs.clientStep(L32, ot, 1, 512));
    }

    @Test
    void aLayerCostsTwiceItsMatrixParametersPlusAttention() {
        LlamaConfig c = new LlamaConfig(8, 12, 1, 2, 1, 10, 16, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
        // matrices: wq 8x8 + wo 8x8 + wk, wv 8x4 + w1, w2, w3 8x12 = 64+64+32+32+288 = 480
        assertEquals(2 * 480 + 2 * 16 * 8, Costs.layerForward(c, 16));
        assertEquals(2 * 8 * 10, Costs.head(c));
        // one token through 1 layer + head forward, backward through the same
        Split f = Split.of(Method.FEDLORA, 1, 1, 0);
        assertEquals(2 * (Costs.layerForward(c, 16) + Costs.head(c)), Costs.clientStep(c, f, 1, 16));
    }
}
