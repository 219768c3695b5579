package io.fedbiot.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where bad rows go: under {@link BadRowPolicy#SKIP} each is counted by reason and the first
 * {@link #LISTED_PER_REASON} of each reason are logged as one line each to the warning sink (then one
 * line saying the rest go uncounted in the log; the counts stay exact); under {@link BadRowPolicy#FAIL}
 * the first one throws. Not thread-safe.
 */
public final class BadRows {
    /** Rows logged by number for each reason; a dataset with thousands of over-long rows stays readable. */
    public static final int LISTED_PER_REASON = 20;

    private final BadRowPolicy policy;
    private final Consumer<String> warnings;
    private final EnumMap<BadRowReason, Integer> counts = new EnumMap<>(BadRowReason.class);

    public BadRows(BadRowPolicy policy, Consumer<String> warnings) {
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
        this.warnings = java.util.Objects.requireNonNull(warnings, "warnings");
    }

    /** Warnings to System.err. */
    public BadRows(BadRowPolicy policy) {
        this(policy, System.err::println);
    }

    public BadRowPolicy policy() {
        return policy;
    }

    public Consumer<String> warnings() {
        return warnings;
    }

    /** Records one bad row; throws under FAIL. */
    public void report(String source, int row, BadRowReason reason, String expected) throws DataFormatException {
        String message = message(source, row, reason, expected);
        if (policy == BadRowPolicy.FAIL) throw new DataFormatException(message);
        int seen = counts.merge(reason, 1, Integer::sum);
        if (seen <= LISTED_PER_REASON) warnings.accept("skipped " + message);
        if (seen == LISTED_PER_REASON) {
            warnings.accept(source + ": further " + reason + " rows are skipped without a line each (the total follows)");
        }
    }

    /** Bad rows seen so far, by reason (only reasons that occurred). */
    public Map<BadRowReason, Integer> counts() {
        return Collections.unmodifiableMap(new EnumMap<>(counts));
    }

    public int total() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    static String message(String source, int row, BadRowReason reason, String expected) {
        return source + " row " + row + ": " + reason + ": " + expected;
    }
}
