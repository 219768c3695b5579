package io.fedbiot.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where bad rows go: under {@link BadRowPolicy#SKIP} each is counted by reason and logged as one
 * line to the warning sink; under {@link BadRowPolicy#FAIL} the first one throws. Not thread-safe.
 */
public final class BadRows {
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
        counts.merge(reason, 1, Integer::sum);
        warnings.accept("skipped " + message);
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
