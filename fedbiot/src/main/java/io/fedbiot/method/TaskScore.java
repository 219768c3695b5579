package io.fedbiot.method;

import java.util.List;
import java.util.Locale;

/**
 * Exact match for the generated tasks: the model's answer is the text after the first "The answer
 * is" (any case) up to the end of that line or sentence (". "), else its whole first line; outer
 * spaces and one trailing period are dropped. It must equal the reference string exactly (case included, so
 * "DOG" is not "dog").
 */
public final class TaskScore {
    private TaskScore() {}

    /** The answer a generated response gives. */
    public static String predicted(String generated) {
        int at = generated.toLowerCase(Locale.ROOT).indexOf(Gsm8kScore.TRIGGER);
        String rest = at >= 0 ? generated.substring(at + Gsm8kScore.TRIGGER.length()) : generated.stripLeading();
        int nl = rest.indexOf('\n');
        String line = nl >= 0 ? rest.substring(0, nl) : rest;
        int stop = line.indexOf(". ");
        line = (stop >= 0 ? line.substring(0, stop) : line).strip();
        return line.endsWith(".") ? line.substring(0, line.length() - 1).strip() : line;
    }

    public static boolean correct(String generated, String reference) {
        String p = predicted(generated);
        return !p.isEmpty() && p.equals(reference.strip());
    }

    /** Accuracy in [0, 1]; NaN for no examples. */
    public static double exactMatch(List<String> generated, List<String> references) {
        return ExactMatch.accuracy(generated, references, TaskScore::correct);
    }
}
