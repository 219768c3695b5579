package io.fedbiot.cli;

import io.fedbiot.data.DataFormatException;
import io.fedbiot.engine.io.CheckpointFormatException;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import picocli.CommandLine;

import java.io.FileNotFoundException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The one place a command's failure becomes an exit code and a line on stderr, the same on every
 * command: 0 success, 1 a runtime failure, 2 a usage or input error. The line is
 * {@code fedbiot <command>: <message>}; the stack trace follows only with {@code --debug}.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
    static final int RUNTIME = 1, USER = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName(" ");   // "bin/fedbiot bench step" for a subcommand's subcommand
        int code = exitCode(e);
        err.println(name.replaceFirst("^bin/fedbiot", "fedbiot") + ": " + message(e));
        if (debug(parsed)) e.printStackTrace(err);
        else if (code == RUNTIME) err.println("(run again with --debug for the stack trace)");
        err.flush();
        return code;
    }

    /** 2 for what the user can fix, else 1. */
    static int exitCode(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof UserError || t instanceof IllegalArgumentException || t instanceof NoSuchFileException
                || t instanceof AccessDeniedException || t instanceof FileAlreadyExistsException || t instanceof NotDirectoryException
                || t instanceof FileNotFoundException || t instanceof CommandLine.ParameterException
                || t instanceof CheckpointFormatException || t instanceof DataFormatException) // a damaged input file, even found mid-run

            return USER;
        if (t instanceof FlightRuntimeException f) {
            FlightStatusCode c = f.status().code();
            return c == FlightStatusCode.UNAUTHENTICATED || c == FlightStatusCode.UNAUTHORIZED || c == FlightStatusCode.INVALID_ARGUMENT
                    ? USER : RUNTIME;
        }
        return RUNTIME;
    }

    /** A message that names the file for the JDK's file errors, whose own message is just the path. */
    static String message(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof UserError) return t.getMessage();
        if (t instanceof NoSuchFileException f) return "no such file: " + f.getFile();
        if (t instanceof AccessDeniedException f) return "permission denied: " + f.getFile();
        if (t instanceof FileAlreadyExistsException f) return "already exists: " + f.getFile();
        if (t instanceof NotDirectoryException f) return "not a directory: " + f.getFile();
        if (t instanceof FileSystemException f && f.getReason() != null) return f.getFile() + ": " + f.getReason();
        if (t instanceof FlightRuntimeException f) return f.status().code() + ": " + f.status().description();
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof UncheckedIOException || t instanceof CommandLine.ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    private static boolean debug(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand())
            if (p.hasMatchedOption("--debug")) return true;
        return false;
    }
}
