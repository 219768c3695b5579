package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.Losses;
import io.fedbiot.engine.Ops;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.optim.AdamW;
import io.fedbiot.engine.optim.GradClip;
import io.fedbiot.kernels.Backend;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * The lower level (ALGORITHM.md §4): the server re-aligns the emulator's LoRA to the full model
 * on public data with NMSE(h_emu, h_teacher) + λ·KL(p_F ‖ p_M). The teacher block runs on the
 * same hidden state that entered the emulator; p_F is the full model with the current adapter
 * plugged in, under no-grad. A fresh AdamW per call. As in client training, a step whose loss or
 * gradient norm is not finite changes nothing and is counted, and LoRA dropout is on in the
 * compressed model when a dropout RNG is given (the teacher never drops).
 */
public final class Alignment {
    public record Settings(int steps, float lr, float beta1, float beta2, float weightDecay, float lambda,
                           boolean layerwise, boolean maskPadding) {
        public Settings {
            if (steps < 0) throw new IllegalArgumentException("alignment steps must be >= 0, got " + steps);
            if (lambda < 0) throw new IllegalArgumentException("lambda must be >= 0, got " + lambda);
        }
    }

    /**
     * Mean NMSE and KL over the batches measured (or the steps that counted; NaN when none did);
     * tokens and seqLen for the cost table; nanSkipped: steps skipped for a non-finite loss or gradient.
     */
    public record Result(double nmse, double kl, long tokens, int seqLen, int nanSkipped) {
        public double loss(float lambda) {
            return nmse + lambda * kl;
        }
    }

    private Alignment() {}

    /**
     * {@code full}: the whole model with the adapter LoRA attached; {@code compressed}: the
     * compressed model with adapter and emulator LoRA; only {@code emulator} is trained.
     */
    public static Result align(LlamaModel full, LlamaModel compressed, Split split, LoraSet emulator, LoraSet adapter,
                               BatchSource data, Settings s) {
        return align(full, compressed, split, emulator, adapter, data, s, null);
    }

    /** As above; {@code dropout} non-null switches the compressed model's LoRA dropout on for the steps. */
    public static Result align(LlamaModel full, LlamaModel compressed, Split split, LoraSet emulator, LoraSet adapter,
                               BatchSource data, Settings s, Rng dropout) {
        emulator.params().zeroGrad();
        double nmse = 0, kl = 0;
        long tokens = 0;
        int seqLen = 0, counted = 0, skipped = 0;
        compressed.setTraining(dropout);
        try (Arena state = Arena.ofShared(); var targets = Autograd.targets(emulator.params().targets())) {   // not the adapter
            AdamW opt = new AdamW(emulator.params().asList(), state, s.lr(), s.beta1(), s.beta2(), AdamW.EPS, s.weightDecay());
            for (int step = 0; step < s.steps(); step++) {
                try (var scope = StepScope.open()) {
                    Batch b = data.next();
                    tokens += (long) b.batch() * b.seqLen(); // work done, counted or not
                    seqLen = Math.max(seqLen, b.seqLen());
                    Tensor[] t = terms(full, compressed, split, b, s.layerwise(), s.maskPadding());
                    Tensor loss = Ops.add(t[0], Ops.scale(t[1], s.lambda()));
                    if (!Float.isFinite(loss.item())) { // before backward: a NaN would reach AdamW's moments
                        skipped++;
                        continue;
                    }
                    Autograd.backward(loss);
                    if (!Double.isFinite(GradClip.globalNorm(emulator.params().asList()))) {
                        emulator.params().zeroGrad();
                        skipped++;
                        continue;
                    }
                    opt.step();
                    emulator.params().zeroGrad();
                    nmse += t[0].item();
                    kl += t[1].item();
                    counted++;
                }
            }
        } finally {
            compressed.setTraining(null);
        }
        return counted == 0 ? new Result(Double.NaN, Double.NaN, tokens, seqLen, skipped)
                : new Result(nmse / counted, kl / counted, tokens, seqLen, skipped);
    }

    /** NMSE and KL of the current emulator on held-out batches, without training. */
    public static Result measure(LlamaModel full, LlamaModel compressed, Split split, List<Batch> batches,
                                 boolean layerwise, boolean maskPadding) {
        double nmse = 0, kl = 0;
        for (Batch b : batches) {
            try (var scope = StepScope.open(); var ng = Autograd.noGrad()) {
                Tensor[] t = terms(full, compressed, split, b, layerwise, maskPadding);
                nmse += t[0].item();
                kl += t[1].item();
            }
        }
        long tokens = batches.stream().mapToLong(b -> (long) b.batch() * b.seqLen()).sum();
        return new Result(nmse / batches.size(), kl / batches.size(), tokens, batches.stream().mapToInt(Batch::seqLen).max().orElse(0), 0);
    }

    /**
     * {NMSE (summed over emulator layers when layerwise), KL(p_F ‖ p_M)} for one batch. Per-layer
     * figures without training: {@link EmulatorLayers}.
     */
    static Tensor[] terms(LlamaModel full, LlamaModel compressed, Split split, Batch b, boolean layerwise,
                          boolean maskPadding) {
        Backend be = compressed.backend();
        int B = b.batch(), T = b.seqLen();
        Tensor ids = Tensor.ofInts(be, b.inputs(), B, T);
        Tensor mask = maskPadding ? Tensor.of(be, b.valid(), B * T) : null;
        int e0 = split.emulatorStart(), e1 = split.emulatorEnd();
        int[] kept = split.kept();

        Tensor hIn = compressed.layers(compressed.embed(ids), 0, e0, 0); // below the emulator: nothing trains here
        Tensor[] teacherAt = new Tensor[kept.length];
        Tensor hTeacher;
        try (var ng = Autograd.noGrad()) {
            Tensor h = hIn.detach();
            int seg = 0;
            for (int layer = split.teacherFrom(); layer < split.teacherTo(); layer++) {
                h = full.layer(layer, h, 0); // in the full model, position == base layer
                while (seg < kept.length && split.segment(seg)[1] == layer + 1) teacherAt[seg++] = h;
            }
            hTeacher = h;
        }

        Tensor h = hIn, nmse = null;
        for (int p = e0; p < e1; p++) {
            h = compressed.layer(p, h, 0);
            if (layerwise) {
                Tensor term = Losses.nmse(h, teacherAt[p - e0], mask);
                nmse = nmse == null ? term : Ops.add(nmse, term);
            }
        }
        if (!layerwise) nmse = Losses.nmse(h, hTeacher, mask);

        Tensor logitsM = compressed.head(compressed.layers(h, e1, compressed.depth(), 0));
        Tensor logitsF;
        try (var ng = Autograd.noGrad()) {
            logitsF = full.head(full.layers(hTeacher, split.teacherTo(), full.depth(), 0));
        }
        return new Tensor[]{nmse, Losses.kl(logitsF, logitsM, mask)};
    }
}
