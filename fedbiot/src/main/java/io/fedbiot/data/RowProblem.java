package io.fedbiot.data;

/** A row that cannot become an {@link Example}; turned into a bad-row report by the reader. */
final class RowProblem extends Exception {
    final BadRowReason reason;

    RowProblem(BadRowReason reason, String expected) {
        super(expected, null, false, false); // no stack trace: these are data, not bugs
        this.reason = reason;
    }
}
