package io.fedbiot.data;

/** What a bad source row does: skipped (counted and logged) or fatal. Never silent either way. */
public enum BadRowPolicy {
    SKIP,
    FAIL
}
