package io.fedbiot.method;

import java.util.List;
import java.util.function.BiPredicate;

/** Exact-match accuracy of generations against references under a task's own answer rule. */
final class ExactMatch {
    private ExactMatch() {}

    /** Accuracy in [0, 1]; NaN for no examples, so an empty evaluation cannot pass for 0%. */
    static double accuracy(List<String> generated, List<String> references, BiPredicate<String, String> correct) {
        if (generated.size() != references.size())
            throw new IllegalArgumentException(generated.size() + " generations for " + references.size() + " references");
        if (generated.isEmpty()) return Double.NaN;
        int ok = 0;
        for (int i = 0; i < generated.size(); i++) if (correct.test(generated.get(i), references.get(i))) ok++;
        return ok / (double) generated.size();
    }
}
