package io.fedbiot.method;

import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LoraSet;

/**
 * Analytic FLOP counts (multiply-adds count 2) for the cost table. Per token of a sequence of
 * length T: a layer's forward is 2·(its matrix parameters) plus causal attention 2·T·C (scores
 * and weighted sum over T/2 keys on average); the classifier is 2·C·V. Backward through frozen
 * base weights computes only input gradients: about one more forward of every layer it crosses
 * (LoRA's own gradients are negligible at rank ≪ C).
 */
public final class Costs {
    private Costs() {}

    /**
     * Bytes of a LoRA set on the wire: its tensors' float32 values. The flat block the round loop
     * passes around pads each view to 16 floats; the padding never travels (the Flight codec sends
     * the named views), so it is not counted.
     */
    public static long loraBytes(LoraSet set) {
        return 4L * set.params().count();
    }

    /** What one selected client downloads in a round: the adapter, and the emulator when one is sent. */
    public static long roundDownload(LoraSet adapter, LoraSet emulatorOrNull) {
        return loraBytes(adapter) + (emulatorOrNull == null ? 0 : loraBytes(emulatorOrNull));
    }

    public static double layerForward(LlamaConfig c, int T) {
        double matrices = 2.0 * c.dim() * c.dim() + 2.0 * c.dim() * c.kvDim() + 3.0 * c.dim() * c.hiddenDim();
        return 2 * matrices + 2.0 * T * c.dim();
    }

    public static double head(LlamaConfig c) {
        return 2.0 * c.dim() * c.vocabSize();
    }

    /** Layers a client's backward pass crosses: from the lowest adapter layer to the top. */
    public static int backwardDepth(Split split) {
        int[] layers = split.compressed();
        int lowest = split.adapter()[0];
        for (int p = 0; p < layers.length; p++) if (layers[p] == lowest) return layers.length - p;
        throw new IllegalStateException("adapter layer " + lowest + " not in the compressed model");
    }

    /** One client step on `tokens` tokens of sequence length T. */
    public static double clientStep(LlamaConfig c, Split split, long tokens, int T) {
        int depth = split.compressed().length;
        double fwd = depth * layerForward(c, T) + head(c);
        double bwd = backwardDepth(split) * layerForward(c, T) + head(c);
        return tokens * (fwd + bwd);
    }

    /**
     * One alignment step: the teacher block and the full model's top (no grad), the compressed
     * model's layers from the emulator up with backward into the emulator, and both heads.
     */
    public static double alignStep(LlamaConfig c, Split split, long tokens, int T) {
        int teacher = split.teacherTo() - split.teacherFrom();
        int top = c.nLayers() - split.teacherTo();
        int emulatorAndTop = split.kept().length + top;
        double teacherSide = (teacher + top) * layerForward(c, T) + head(c);
        double studentSide = split.teacherFrom() * layerForward(c, T) + 2 * (emulatorAndTop * layerForward(c, T) + head(c));
        return tokens * (teacherSide + studentSide);
    }
}
