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
 * the emulator keeps, and how far it is from the teacher (NMSE of its output and of each layer at
 * the end of its segment) and the compressed model from the full one (KL), on held-out public
 * data, before and after alignment. The adapter is fresh (LoRA B = 0), as at pre-alignment.
 */
public final class DropoutStudy {
    public record Result(Method rule, double beta, Split split, Alignment.Result before, Alignment.Result after,
                         double[] layerNmseBefore, double[] layerNmseAfter) {}

    private DropoutStudy() {}

    /**
     * @param alignCalls alignment calls of {@code align.steps()} steps each (0: only "before")
     */
    public static List<Result> run(LlamaWeights base, int adapterLayers, double[] betas, List<Method> rules, LoraConfig lora,
                                   BatchSource publicData, List<Batch> heldOut, Alignment.Settings align, int alignCalls,
                                   long seed, java.util.function.Consumer<String> progress) {
        Backend be = base.tokEmbeddings().backend();
        List<Result> out = new ArrayList<>();
        for (Method rule : rules)
            for (double beta : betas) {
                Split split = Split.of(rule, base.config().nLayers(), adapterLayers, beta);
                try (Arena arena = Arena.ofShared()) {
                    Rng rng = new Rng(seed);
                    LoraSet adapter = LoraSet.create(base.config(), lora, split.adapter(), be, arena, rng.split());
                    LoraSet emulator = LoraSet.create(base.config(), lora, split.kept(), be, arena, rng.split());
                    adapter.params().setTrainable(false);
                    emulator.params().setTrainable(false);
                    LlamaModel full = LlamaModel.full(base);
                    full.attach(adapter);
                    LlamaModel compressed = new LlamaModel(base, split.compressed());
                    compressed.attach(adapter);
                    compressed.attach(emulator);
                    boolean mask = align.maskPadding();
                    Alignment.Result before = Alignment.measure(full, compressed, split, heldOut, false, mask);
                    double[] layersBefore = Alignment.measureLayers(full, compressed, split, heldOut, mask);
                    for (int c = 0; c < alignCalls; c++) Alignment.align(full, compressed, split, emulator, adapter, publicData, align);
                    Alignment.Result after = Alignment.measure(full, compressed, split, heldOut, false, mask);
                    double[] layersAfter = Alignment.measureLayers(full, compressed, split, heldOut, mask);
                    out.add(new Result(rule, beta, split, before, after, layersBefore, layersAfter));
                    if (progress != null)
                        progress.accept(String.format("%s β=%.2f: NMSE %.4f -> %.4f, KL %.4f -> %.4f", rule.label(), beta,
                                before.nmse(), after.nmse(), before.kl(), after.kl()));
                }
            }
        return out;
    }
}
