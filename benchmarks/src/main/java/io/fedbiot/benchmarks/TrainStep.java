package io.fedbiot.benchmarks;

import io.fedbiot.engine.model.ModelShapes;
import io.fedbiot.engine.Losses;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.model.DeviceWeights;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.engine.optim.AdamW;
import io.fedbiot.kernels.Backend;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

/**
 * One LLaMA training step with random weights on B x T tokens, as the benchmarks measure it:
 * {@code full} (every weight trained, AdamW), {@code lora2} (rank-8 LoRA on wq, wv of the last two
 * layers, base frozen) or {@code forward} (inference, no autograd). Shared by the JMH benchmark
 * and {@link StepRunner}, so both time exactly the same work.
 */
final class TrainStep implements AutoCloseable {
    static final int LORA_RANK = 8;

    final LlamaConfig config;
    final String mode;
    final int B, T;
    final Backend be;
    /** Train through LlamaModel.loss (fused classifier + cross-entropy); -Dfedbiot.bench.unfused=true for logits. */
    final boolean fusedLoss = !Boolean.getBoolean("fedbiot.bench.unfused");
    private final Arena arena = Arena.ofShared();
    private final LlamaModel model;
    private final AdamW opt;
    private final long trainableParams;
    private final int[] ids, targets;
    private long poolPeak, poolHeld;

    /** shape "model:batch:seq" (e.g. stories15M:8:256), mode full|lora2|forward, float32 base weights. */
    TrainStep(String shape, String mode, Backend be) {
        this(shape, mode, be, false);
    }

    /** As above; {@code bf16Base} (cuda only) stores the frozen linear weights in bf16 on the device. */
    TrainStep(String shape, String mode, Backend be, boolean bf16Base) {
        String[] p = shape.split(":");
        this.config = ModelShapes.byName(p[0]);
        this.B = Integer.parseInt(p[1]);
        this.T = Integer.parseInt(p[2]);
        this.mode = mode;
        this.be = be;
        LlamaWeights w = LlamaWeights.random(config, be, arena, 1);
        if (bf16Base) w = DeviceWeights.toDevice(w, be, arena, true);
        model = LlamaModel.full(w);
        List<Tensor> trainable = new ArrayList<>();
        switch (mode) {
            case "full" -> { for (Tensor t : w.toTensors().values()) trainable.add(t.requiresGrad(true)); }
            case "lora2" -> {
                int L = config.nLayers();
                LoraSet lora = LoraSet.create(config, new LoraConfig(LORA_RANK, 16f, 0f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV)),
                        new int[]{L - 2, L - 1}, be, arena, new Rng(2));
                model.attach(lora);
                for (Tensor t : lora.params().targets()) t.requiresGrad(true);   // this benchmark owns them
                trainable.add(lora.params().flat());
            }
            case "forward" -> { }
            default -> throw new IllegalArgumentException("unknown mode '" + mode + "' (full, lora2, forward)");
        }
        long n = 0;
        for (Tensor t : trainable) n += t.numel();
        trainableParams = n;
        opt = trainable.isEmpty() ? null : new AdamW(trainable, arena, 1e-4f, 0.9f, 0.95f, AdamW.EPS, 0f);
        Random r = new Random(3);
        ids = r.ints(B * T, 0, config.vocabSize()).toArray();
        targets = r.ints(B * T, 0, config.vocabSize()).toArray();
    }

    /** One step; returns the loss (NaN in forward mode, whose logits are not copied anywhere). */
    float run() {
        try (var s = StepScope.open()) {
            try {
                return runIn();
            } finally {
                poolPeak = Math.max(poolPeak, s.peakBytes());
                poolHeld = Math.max(poolHeld, s.heldBytes());
            }
        }
    }

    /** The most step-pool bytes alive at once, and taken from the backend, over the steps run. */
    long poolPeakBytes() {
        return poolPeak;
    }

    long poolHeldBytes() {
        return poolHeld;
    }

    private float runIn() {
        Tensor idT = Tensor.ofInts(be, ids, B, T);
        if (opt == null) {
            try (var ng = Autograd.noGrad()) {
                model.forward(idT);
                be.synchronize();
                return Float.NaN;
            }
        }
        Tensor tg = Tensor.ofInts(be, targets, B, T);
        // fused: the classifier and cross-entropy in chunks, no [B,T,V] logits
        Tensor loss = fusedLoss ? model.loss(idT, tg, null) : Losses.crossEntropy(model.forward(idT), tg, null);
        Autograd.backward(loss);
        opt.step();
        opt.zeroGrad();
        return loss.item();
    }

    int tokens() {
        return B * T;
    }

    /**
     * Bytes the step needs by the book: weights, and for trained parameters their gradients and
     * two AdamW moments, plus the activations a backward pass must keep (per layer: the layer
     * input, two norm outputs, q, k, v, attention output, the residual, three [BT,F] FFN tensors,
     * two rstd and the attention lse, i.e. 6 [BT,C] tensors; then the final norm and the logits
     * with their lse, or with the fused loss the classifier gradients it computes in the forward
     * pass). Forward mode counts one layer's working set and the logits instead.
     */
    long analyticBytes() {
        long C = config.dim(), F = config.hiddenDim(), V = config.vocabSize(), BT = (long) B * T;
        long kv = config.kvDim(), H = config.nHeads();
        long weights = config.parameterCount();
        long perLayer = BT * (6 * C + 2 * kv + 3 * F + 2) + B * H * T;
        // fused loss: the classifier's gradients (dh [BT,C], dW [V,C]) instead of logits [BT,V]
        long head = fusedLoss ? BT * (2 * C + 1) : BT * (C + V + 1);
        long floats = switch (mode) {
            case "full" -> 4 * weights + config.nLayers() * perLayer + head + (fusedLoss ? (long) V * C : 0);
            // LoRA on the last two layers: backward keeps activations of those layers and the head only
            case "lora2" -> weights + 4 * trainableParams + 2 * perLayer + head;
            default -> weights + perLayer + BT * V;
        };
        return 4 * floats;
    }

    @Override
    public void close() {
        arena.close();
    }
}
