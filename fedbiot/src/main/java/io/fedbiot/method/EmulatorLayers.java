package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.Losses;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.kernels.Backend;
import io.fedbiot.report.LayerTable;

import java.util.ArrayList;
import java.util.List;

/**
 * How far each emulator layer is from the teacher layer it maps to, on held-out batches.
 * Emulator layer i keeps teacher layer kept_i and stands for the segment [kept_i, kept_{i+1})
 * (the last one for [kept_last, r)), so its output is compared with the teacher's output after
 * the segment's last layer (Split.segment). Two figures per layer:
 * <ul>
 *   <li>{@code nmse[i]}: NMSE(h_emu_i, h_teacher_at_segment_end), both from the same hidden state
 *       that entered the emulator;</li>
 *   <li>{@code kl[i]}: KL(p_F ‖ p_i), where p_i hands the emulator's hidden state after layer i to
 *       the full model's remaining layers (teacher layers from the segment end, then the top
 *       adapter): how much of the final divergence the emulator has built up by layer i.</li>
 * </ul>
 * For the last emulator layer these are exactly the alignment's output NMSE and KL.
 *
 * @param split the split measured
 * @param nmse  per emulator layer, mean over batches of the per-batch NMSE
 * @param kl    per emulator layer, mean over batches of the per-batch token-mean KL
 */
public record EmulatorLayers(Split split, double[] nmse, double[] kl) {

    /** The teacher layer emulator layer i is compared with (the last layer of its segment). */
    public int teacherLayer(int i) {
        return split.segment(i)[1] - 1;
    }

    public double outputNmse() {
        return nmse[nmse.length - 1];
    }

    public double outputKl() {
        return kl[kl.length - 1];
    }

    /**
     * Measures every emulator layer of {@code compressed} against {@code full} (adapter LoRA
     * attached to both) on {@code batches}, under no-grad.
     *
     * @param maskPadding average over real tokens only (the alignment's default)
     */
    public static EmulatorLayers measure(LlamaModel full, LlamaModel compressed, Split split, List<Batch> batches,
                                         boolean maskPadding) {
        if (!split.hasEmulator()) throw new IllegalArgumentException(split.method().label() + " has no emulator to measure");
        if (batches.isEmpty()) throw new IllegalArgumentException("no held-out batches to measure the emulator on");
        int k = split.kept().length, e0 = split.emulatorStart();
        double[] nmse = new double[k], kl = new double[k];
        Backend be = compressed.backend();
        for (Batch b : batches) {
            try (var scope = StepScope.open(); var ng = Autograd.noGrad()) {
                Tensor ids = Tensor.ofInts(be, b.inputs(), b.batch(), b.seqLen());
                Tensor mask = maskPadding ? Tensor.of(be, b.valid(), b.batch() * b.seqLen()) : null;
                Tensor hIn = compressed.layers(compressed.embed(ids), 0, e0, 0);
                // Teacher hidden states after each base layer of the window (full model: position == base layer).
                Tensor[] teacher = new Tensor[split.teacherTo()];
                Tensor t = hIn;
                for (int layer = split.teacherFrom(); layer < split.teacherTo(); layer++) teacher[layer] = t = full.layer(layer, t, 0);
                Tensor logitsF = full.head(full.layers(t, split.teacherTo(), full.depth(), 0));
                Tensor h = hIn;
                for (int i = 0; i < k; i++) {
                    h = compressed.layer(e0 + i, h, 0);
                    int end = split.segment(i)[1]; // exclusive: the teacher resumes here
                    nmse[i] += Losses.nmse(h, teacher[end - 1], mask).item() / batches.size();
                    Tensor logitsI = full.head(full.layers(h, end, full.depth(), 0));
                    kl[i] += Losses.kl(logitsF, logitsI, mask).item() / batches.size();
                }
            }
        }
        for (int i = 0; i < k; i++)
            if (!Double.isFinite(nmse[i]) || !Double.isFinite(kl[i]))
                throw new IllegalStateException("emulator layer " + i + " (teacher layer " + split.kept()[i] + "): NMSE "
                        + nmse[i] + ", KL " + kl[i] + " is not finite; the emulator LoRA has diverged");
        return new EmulatorLayers(split, nmse, kl);
    }

    /**
     * The report's rows for one split measured on one or more seeds: {@code before.get(s)} and
     * {@code after.get(s)} are seed s's figures; all must be for the same split.
     */
    public static LayerTable.Group group(String name, List<EmulatorLayers> before, List<EmulatorLayers> after) {
        if (before.isEmpty() || before.size() != after.size())
            throw new IllegalArgumentException(name + ": " + before.size() + " before and " + after.size() + " after measurements");
        Split split = before.getFirst().split();
        for (EmulatorLayers e : before) if (!e.split().equals(split)) throw new IllegalArgumentException(name + ": mixed splits");
        for (EmulatorLayers e : after) if (!e.split().equals(split)) throw new IllegalArgumentException(name + ": mixed splits");
        List<LayerTable.Layer> layers = new ArrayList<>();
        for (int i = 0; i < split.kept().length; i++) {
            final int li = i;
            layers.add(new LayerTable.Layer(i, split.kept()[i], before.getFirst().teacherLayer(i),
                    before.stream().map(e -> e.nmse()[li]).toList(), after.stream().map(e -> e.nmse()[li]).toList(),
                    before.stream().map(e -> e.kl()[li]).toList(), after.stream().map(e -> e.kl()[li]).toList()));
        }
        return new LayerTable.Group(name, split.kept(), split.dropped(), layers);
    }
}
