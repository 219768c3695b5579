package io.fedbiot.data;

/** The two standard Stanford Alpaca prompts (ALGORITHM.md §8). */
public final class AlpacaTemplate {
    /**
     * Goes into the cache manifest: bump it whenever the prompt text or the token layout of
     * {@link ExampleEncoder} changes, so old caches are rebuilt.
     */
    public static final String VERSION = "alpaca-v1";

    private static final String WITH_INPUT = "Below is an instruction that describes a task, paired with an input that provides"
            + " further context. Write a response that appropriately completes the request.\n\n### Instruction:\n";
    private static final String NO_INPUT = "Below is an instruction that describes a task. Write a response that"
            + " appropriately completes the request.\n\n### Instruction:\n";

    private AlpacaTemplate() {}

    /** The prompt up to and including "### Response:\n"; the input section only when input is non-empty. */
    public static String prompt(String instruction, String input) {
        return input.isEmpty()
                ? NO_INPUT + instruction + "\n\n### Response:\n"
                : WITH_INPUT + instruction + "\n\n### Input:\n" + input + "\n\n### Response:\n";
    }

    public static String prompt(Example e) {
        return prompt(e.instruction(), e.input());
    }
}
