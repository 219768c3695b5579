package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.kernels.Backend;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * For researchers studying layer dropout: for each drop rate and split rule, which teacher layers
 * the emulator keeps, and how far each emulator layer is from the teacher layer it maps to (NMSE)
 * and the compressed model from the full one (KL), on held-out public data, before and after
 * alignment ({@link EmulatorLayers}). The adapter is fresh (LoRA B = 0), as at pre-alignment.
 */
public final class DropoutStudy {
    /** One split: its figures before and after {@code alignCalls} alignment calls. */
    public record Result(Method rule, double beta, Split split, EmulatorLayers before, EmulatorLayers after) {}

    /** Sees each alignment call as it ends and each split as it is measured. */
    public interface Listener {
        default void alignCall(Split split, int call, Alignment.Result r) {}

        default void done(Result r) {}
    }

    private DropoutStudy() {}

    /**
     * @param alignCalls alignment calls of {@code align.steps()} steps each (0: after == before)
     */
    public static List<Result> run(LlamaWeights base, int adapterLayers, double[] betas, List<Method> rules, LoraConfig lora,
                                   BatchSource publicData, List<Batch> heldOut, Alignment.Settings align, int alignCalls,
                                   long seed, Listener listener) {
        Listener l = listener != null ? listener : new Listener() {};
        Backend be = base.tokEmbeddings().backend();
        List<Result> out = new ArrayList<>();
        for (Method rule : rules)
            for (double beta : betas) {
                Split split = Split.of(rule, base.config().nLayers(), adapterLayers, beta);
                if (!split.hasEmulator()) throw new IllegalArgumentException(rule.label() + " has no emulator to study");
                try (Arena arena = Arena.ofShared()) {
                    Rng rng = new Rng(seed);
                    LoraSet adapter = LoraSet.create(base.config(), lora, split.adapter(), be, arena, rng.split());
                    LoraSet emulator = LoraSet.create(base.config(), lora, split.kept(), be, arena, rng.split());
                    LlamaModel full = LlamaModel.full(base);
                    full.attach(adapter);
                    LlamaModel compressed = new LlamaModel(base, split.compressed());
                    compressed.attach(adapter);
                    compressed.attach(emulator);
                    boolean mask = align.maskPadding();
                    EmulatorLayers before = EmulatorLayers.measure(full, compressed, split, heldOut, mask);
                    for (int c = 0; c < alignCalls; c++)
                        l.alignCall(split, c, Alignment.align(full, compressed, split, emulator, adapter, publicData, align));
                    EmulatorLayers after = alignCalls == 0 ? before : EmulatorLayers.measure(full, compressed, split, heldOut, mask);
                    Result r = new Result(rule, beta, split, before, after);
                    out.add(r);
                    l.done(r);
                }
            }
        return out;
    }
}
