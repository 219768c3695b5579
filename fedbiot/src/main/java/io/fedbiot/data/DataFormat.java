package io.fedbiot.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

import java.util.Map;

/**
 * The source formats and how one JSON object becomes an {@link Example}. The container (jsonl or a
 * JSON array) is told apart by content (see {@link DatasetReader}), so e.g. Dolly's Shepherd
 * split files (JSON arrays) read as {@link #DOLLY} too.
 */
public enum DataFormat {
    /** {@code question}, {@code answer} ending in {@code #### N}; the target ends "The answer is N", N kept as {@code answer}. */
    GSM8K {
        @Override
        Example toExample(JsonNode o, String source, int row) throws RowProblem {
            String question = required(o, "question");
            String answer = required(o, "answer");
            int mark = answer.lastIndexOf("####");
            String number = mark < 0 ? "" : answer.substring(mark + 4).strip();
            if (number.isEmpty() || number.contains("\n"))
                throw new RowProblem(BadRowReason.NO_FINAL_ANSWER, "field \"answer\": expected a final line \"#### <number>\"");
            String target = answer.substring(0, mark) + ANSWER_PREFIX + number;
            return new Example(question, "", nonBlankTarget(target, "answer"), Map.of(ANSWER, number), source, row);
        }
    },
    /** {@code instruction}, {@code context} (the input, may be absent), {@code response}, {@code category}. */
    DOLLY {
        @Override
        Example toExample(JsonNode o, String source, int row) throws RowProblem {
            String instruction = required(o, "instruction");
            String context = optional(o, "context");
            String response = nonBlankTarget(required(o, "response"), "response");
            String category = required(o, CATEGORY);
            return new Example(instruction, context, response, Map.of(CATEGORY, category), source, row);
        }
    },
    /** Stanford Alpaca: {@code instruction}, {@code input} (may be "" or absent), {@code output}. */
    ALPACA {
        @Override
        Example toExample(JsonNode o, String source, int row) throws RowProblem {
            return alpaca(o, source, row);
        }
    },
    /** Code Alpaca: the Alpaca fields. */
    CODE_ALPACA {
        @Override
        Example toExample(JsonNode o, String source, int row) throws RowProblem {
            return alpaca(o, source, row);
        }
    },
    /**
     * Code instructions (Code Alpaca's fields) labelled by programming language: extra fields
     * {@code language} (the client: one of {@link CodeLanguage#CLIENTS} or "other") and
     * {@code language_detail} (what {@link CodeLanguage#detect} found, or "unplaced").
     */
    CODE {
        @Override
        Example toExample(JsonNode o, String source, int row) throws RowProblem {
            Example e = alpaca(o, source, row);
            String detail = CodeLanguage.detect(e.instruction(), e.input(), e.output());
            return new Example(e.instruction(), e.input(), e.output(), Map.of(LANGUAGE, CodeLanguage.group(detail), LANGUAGE_DETAIL, detail),
                    source, row);
        }
    },
    /**
     * Generated exact-match tasks (the demo's): {@code family}, {@code instruction}, {@code input}
     * and {@code solution} (both may be absent), {@code answer}; the target is the worked solution,
     * a space, and "The answer is " + answer (as GSM8K's), and {@code family} and {@code answer}
     * are kept for partitioning and scoring.
     */
    TASKS {
        @Override
        Example toExample(JsonNode o, String source, int row) throws RowProblem {
            String family = required(o, FAMILY);
            String instruction = required(o, "instruction");
            String input = optional(o, "input");
            String answer = required(o, ANSWER);
            if (answer.isBlank() || answer.contains("\n") || !answer.equals(answer.strip()))
                throw new RowProblem(BadRowReason.EMPTY_TARGET, "field \"answer\": expected one non-blank line without outer spaces");
            String solution = optional(o, "solution").strip();
            String target = (solution.isEmpty() ? "" : solution + " ") + ANSWER_PREFIX + answer;
            return new Example(instruction, input, target, Map.of(FAMILY, family, ANSWER, answer), source, row);
        }
    };

    /** GSM8K's {@code ####} is rewritten to this (ALGORITHM.md §8), which the scorer looks for. */
    public static final String ANSWER_PREFIX = "The answer is ";
    /** Extra field: GSM8K's final number, as written after {@code ####} (commas kept); a task's exact answer. */
    public static final String ANSWER = "answer";
    /** Extra field: a generated task's family (one per demo client). */
    public static final String FAMILY = "family";
    /** Extra fields of {@link #CODE}: the language client and the rule's detailed label. */
    public static final String LANGUAGE = "language", LANGUAGE_DETAIL = "language_detail";
    /** Extra field: Dolly's category. */
    public static final String CATEGORY = "category";

    /** gsm8k, dolly, alpaca, codealpaca (also code_alpaca, code-alpaca), code, tasks, any case. */
    @JsonCreator
    public static DataFormat parse(String s) {
        String k = s.strip().replace("-", "").replace("_", "");
        for (DataFormat f : values()) if (f.name().replace("_", "").equalsIgnoreCase(k)) return f;
        throw new IllegalArgumentException("unknown value '" + s + "'; use gsm8k, dolly, alpaca, codealpaca, code, tasks");
    }

    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace("_", "");
    }

    abstract Example toExample(JsonNode object, String source, int row) throws RowProblem;

    private static Example alpaca(JsonNode o, String source, int row) throws RowProblem {
        String instruction = required(o, "instruction");
        String input = optional(o, "input");
        String output = nonBlankTarget(required(o, "output"), "output");
        return new Example(instruction, input, output, Map.of(), source, row);
    }

    private static String required(JsonNode o, String name) throws RowProblem {
        JsonNode v = o.get(name);
        if (v == null) throw new RowProblem(BadRowReason.MISSING_FIELD, "expected a string field \"" + name + "\"");
        return text(v, name);
    }

    /** Absent or null reads as "". */
    private static String optional(JsonNode o, String name) throws RowProblem {
        JsonNode v = o.get(name);
        return v == null || v.isNull() ? "" : text(v, name);
    }

    private static String text(JsonNode v, String name) throws RowProblem {
        if (!v.isTextual())
            throw new RowProblem(BadRowReason.WRONG_TYPE, "field \"" + name + "\": expected a string, got " + kind(v));
        return v.textValue();
    }

    private static String nonBlankTarget(String target, String name) throws RowProblem {
        if (target.isBlank()) throw new RowProblem(BadRowReason.EMPTY_TARGET, "field \"" + name + "\": expected a non-empty target");
        return target;
    }

    static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
