package io.fedbiot.secagg;

/** The round cannot complete: too few clients left for the threshold, or a stage called out of order. */
public final class SecAggException extends IllegalStateException {
    public SecAggException(String message) {
        super(message);
    }
}
