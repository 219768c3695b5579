package io.fedbiot.method;

import io.fedbiot.report.BestRounds;

import java.util.Map;

/** One run's best round so far ({@link BestRounds}: lowest AdapFu validation loss) and a copy of its LoRA. */
final class BestRound {
    /** The adapter folders beside each other in a run's directory. */
    static final String BEST = "best", FINAL = "final";

    private final FederatedRun run;
    private int round = -1;
    private double loss = Double.POSITIVE_INFINITY;
    private float[] adapter, emulator;

    BestRound(FederatedRun run) {
        this.run = run;
    }

    /** Takes round {@code t} if its evaluation beats the best so far; true when it did. */
    boolean offer(int t, Map<String, Double> eval) {
        if (!BestRounds.better(eval, loss)) return false;
        round = t;
        loss = eval.get(BestRounds.KEY);
        adapter = run.adapter().params().flat().toFloatArray();
        emulator = run.emulator() == null ? null : run.emulator().params().flat().toFloatArray();
        return true;
    }

    /** The best round; -1 before any round had a validation loss. */
    int round() {
        return round;
    }

    /** Puts the best round's adapter (and emulator) back into the run. */
    void load(FederatedRun into) {
        into.adapter().params().flat().copyFrom(adapter);
        if (emulator != null) into.emulator().params().flat().copyFrom(emulator);
    }
}
