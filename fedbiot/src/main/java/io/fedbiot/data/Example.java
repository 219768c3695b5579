package io.fedbiot.data;

import java.util.Map;
import java.util.Objects;

/**
 * One instruction-tuning row as read from a source file, before prompting and tokenization.
 *
 * @param instruction the task
 * @param input       optional context ("" when there is none)
 * @param output      the target response (never blank: blank targets are bad rows)
 * @param fields      extra per-row values kept for partitioning and scoring, e.g. {@code category}
 *                    (Dolly) or {@code answer} (GSM8K's number after {@code ####})
 * @param source      the file it came from, for messages
 * @param row         1-based line (jsonl) or array element (json) number in {@code source}
 */
public record Example(String instruction, String input, String output, Map<String, String> fields, String source, int row) {
    public Example {
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        fields = Map.copyOf(fields);
        Objects.requireNonNull(source, "source");
    }

    /** The extra field {@code name}, or null. */
    public String field(String name) {
        return fields.get(name);
    }
}
