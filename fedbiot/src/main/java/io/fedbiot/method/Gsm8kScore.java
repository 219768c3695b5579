package io.fedbiot.method;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GSM8K exact match (ALGORITHM.md §7): the model's answer is the first number after the first
 * "The answer is" (any case), else the last number in the text; the reference is the number after
 * the last {@code ####}. Numbers compare by value, so "1,000", "$1000", "1000.", "1000.0" agree.
 */
public final class Gsm8kScore {
    public static final String TRIGGER = "the answer is";

    /**
     * A number: optional minus (not glued to a word or digit, so "3-4" is 3 and 4), optional $,
     * digits with comma thousand separators or plain, optional decimals. A trailing period is not
     * part of it because the decimals need a digit.
     */
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![\\w.])([-\u2212])?\\$?(\\d{1,3}(?:,\\d{3})+|\\d+)(\\.\\d+)?(?!\\d)");

    private Gsm8kScore() {}

    /** The predicted number in generated text, if any. */
    public static Optional<BigDecimal> predicted(String generated) {
        int at = generated.toLowerCase(Locale.ROOT).indexOf(TRIGGER);
        if (at >= 0) return first(generated.substring(at + TRIGGER.length()));
        return last(generated);
    }

    /** The reference number: after the last "####", or read like a prediction when there is none. */
    public static Optional<BigDecimal> reference(String answer) {
        int at = answer.lastIndexOf("####");
        return at >= 0 ? first(answer.substring(at + 4)) : predicted(answer);
    }

    /** Whether the generated text's answer equals the reference's; false when either has no number. */
    public static boolean correct(String generated, String referenceAnswer) {
        Optional<BigDecimal> p = predicted(generated), r = reference(referenceAnswer);
        return p.isPresent() && r.isPresent() && p.get().compareTo(r.get()) == 0;
    }

    /** Exact-match accuracy in [0, 1]; NaN for no examples, so an empty evaluation cannot pass for 0%. */
    public static double exactMatch(List<String> generated, List<String> references) {
        return ExactMatch.accuracy(generated, references, Gsm8kScore::correct);
    }

    private static Optional<BigDecimal> first(String text) {
        Matcher m = NUMBER.matcher(text);
        return m.find() ? Optional.of(value(m)) : Optional.empty();
    }

    private static Optional<BigDecimal> last(String text) {
        Matcher m = NUMBER.matcher(text);
        BigDecimal v = null;
        while (m.find()) v = value(m);
        return Optional.ofNullable(v);
    }

    private static BigDecimal value(Matcher m) {
        String digits = m.group(2).replace(",", "") + (m.group(3) == null ? "" : m.group(3));
        BigDecimal v = new BigDecimal(digits);
        return m.group(1) != null ? v.negate() : v;
    }
}
