package io.fedbiot.cli;

/**
 * An input the user can fix (a bad option, a missing or malformed file, an unavailable backend),
 * found before or while the command works: it exits with code 2 and its message, no stack trace.
 */
final class UserError extends RuntimeException {
    UserError(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code e} as a user error, keeping its message (a command's validation stage wraps with this). */
    static UserError of(Exception e) {
        return e instanceof UserError u ? u : new UserError(CliErrors.message(e), e);
    }
}
