package io.fedbiot.data;

import java.io.IOException;

/** A source file (or one of its rows) is not in the expected format; the message names file and row. */
public final class DataFormatException extends IOException {
    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
