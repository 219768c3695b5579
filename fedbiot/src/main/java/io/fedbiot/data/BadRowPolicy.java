package io.fedbiot.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** What a bad source row does: skipped (counted and logged) or fatal. Never silent either way. */
public enum BadRowPolicy {
    SKIP,
    FAIL;

    /** skip or fail, any case (config files and the command line). */
    @JsonCreator
    public static BadRowPolicy parse(String s) {
        for (BadRowPolicy p : values()) if (p.name().equalsIgnoreCase(s.strip())) return p;
        throw new IllegalArgumentException("unknown value '" + s + "'; use skip, fail");
    }

    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
