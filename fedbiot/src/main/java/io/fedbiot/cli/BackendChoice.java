package io.fedbiot.cli;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code --backend NAME}, the one definition every command that computes mixes in (run, demo,
 * generate). Resolve it with {@link #backend()} only after the command's input checks, so a bad
 * input is reported before "[backend] auto selected ..." is.
 */
public class BackendChoice {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
            description = "Kernel backend: java, native (C kernels), cuda or its alias gpu, or auto (cuda when a usable GPU "
                    + "is found, else native when its library loads, else java; logged). Default: ${DEFAULT-VALUE}.")
    String name = "auto";

    /** An unknown name as a user error, before any work; prints nothing and loads no backend. */
    public void checkName() {
        if (!Backends.names().contains(name.toLowerCase(Locale.ROOT)))
            throw new UserError("--backend " + name + ": unknown backend '" + name + "'; available: " + String.join(", ", Backends.names()), null);
    }

    /** The chosen backend; a user error naming the option and why when it cannot run here. */
    public Backend backend() {
        checkName();
        try {
            return Backends.byName(name);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UserError("--backend " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * The backend for a command that reads more input later (run): a named backend is resolved now, so
     * an unavailable one is an error before any work; auto is resolved when first asked, so its
     * "[backend] auto selected" line comes after the model and data are read and checked.
     */
    public Supplier<Backend> deferred() {
        checkName();
        if (!name.equalsIgnoreCase("auto")) {
            Backend be = backend();
            return () -> be;
        }
        Backend[] chosen = new Backend[1];
        return () -> chosen[0] != null ? chosen[0] : (chosen[0] = backend());
    }
}
