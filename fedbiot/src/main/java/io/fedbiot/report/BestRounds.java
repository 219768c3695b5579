package io.fedbiot.report;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Which round of a run is its best: the lowest AdapFu loss on the validation rows, which are
 * disjoint from the test rows the report's metrics come from (never chosen by a test metric).
 */
public final class BestRounds {
    /** The metric key the choice is made by. */
    public static final String KEY = "AdapFu/val_loss";

    private BestRounds() {}

    /** Whether {@code eval} beats {@code bestSoFar} (strictly: on a tie the earlier round stays). */
    public static boolean better(Map<String, Double> eval, double bestSoFar) {
        Double v = eval.get(KEY);
        return v != null && Double.isFinite(v) && v < bestSoFar;
    }

    /** The best of one run's records; null when none has a validation loss. */
    public static RoundRecord best(List<RoundRecord> run) {
        RoundRecord best = null;
        double at = Double.POSITIVE_INFINITY;
        for (RoundRecord r : run.stream().sorted(Comparator.comparingInt(RoundRecord::round)).toList())
            if (better(r.eval(), at)) {
                best = r;
                at = r.metric(KEY);
            }
        return best;
    }
}
