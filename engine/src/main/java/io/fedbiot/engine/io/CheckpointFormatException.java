package io.fedbiot.engine.io;

import java.io.IOException;

/** A model file that cannot be read as claimed; the message names the file and, where there is one, the tensor. */
public final class CheckpointFormatException extends IOException {
    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
