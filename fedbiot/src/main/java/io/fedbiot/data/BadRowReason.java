package io.fedbiot.data;

/** Why a source row was rejected; the keys of the bad-row counts in the cache manifest. */
public enum BadRowReason {
    INVALID_JSON,
    /** Bytes that are not UTF-8 (a JSON Lines row; in a JSON array the parser rejects the file). */
    INVALID_UTF8,
    NOT_AN_OBJECT,
    MISSING_FIELD,
    WRONG_TYPE,
    EMPTY_TARGET,
    /** GSM8K answer without a final {@code #### N} line. */
    NO_FINAL_ANSWER,
    /** Longer than the maximum sequence length once prompted and tokenized. */
    TOO_LONG
}
