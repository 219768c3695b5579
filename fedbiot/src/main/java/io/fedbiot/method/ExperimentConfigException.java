package io.fedbiot.method;

import java.util.List;

/** A config that cannot be used: every problem names its key and the bad value. */
public final class ExperimentConfigException extends IllegalArgumentException {
    private final List<String> problems;

    public ExperimentConfigException(String source, List<String> problems) {
        super(source + ": invalid config:" + (problems.size() == 1 ? " " + problems.getFirst() // one error, one line
                : "\n  " + String.join("\n  ", problems)));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
