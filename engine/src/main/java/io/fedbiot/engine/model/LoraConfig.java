package io.fedbiot.engine.model;

import java.util.EnumSet;
import java.util.Set;

/** LoRA hyper-parameters: y = x W^T + (alpha/rank) · (dropout(x) A^T) B^T. */
public record LoraConfig(int rank, float alpha, float dropout, Set<LoraTarget> targets) {
    public LoraConfig {
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        if (!(dropout >= 0f && dropout < 1f)) throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        if (targets.isEmpty()) throw new IllegalArgumentException("LoRA needs at least one target");
        // Enum order, not Set.copyOf: that set's iteration order changes from one JVM to the next, and
        // LoraSet.create draws each target's A in iteration order.
        targets = java.util.Collections.unmodifiableSet(EnumSet.copyOf(targets));
    }

    /** The FedBiOT paper's setting: rank 8, alpha 16, dropout 0.05, on wq and wv. */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 16f, 0.05f, EnumSet.of(LoraTarget.WQ, LoraTarget.WV));
    }

    public float scaling() {
        return alpha / rank;
    }
}
