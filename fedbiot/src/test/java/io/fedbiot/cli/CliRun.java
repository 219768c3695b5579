package io.fedbiot.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs the CLI in process with captured output, and finds the shared data. */
final class CliRun {
    private CliRun() {}

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** The shared folder (surefire sets fedbiot.shared; else ../shared beside the repository). */
    static Path shared() {
        String p = System.getProperty("fedbiot.shared");
        return p != null ? Path.of(p) : Path.of("..", "..", "shared");
    }

    /** A file under shared/data/models, which must exist (CI always has it). */
    static Path model(String rel) {
        Path f = shared().resolve("data/models").resolve(rel);
        if (!Files.exists(f)) fail("test data " + f.toAbsolutePath() + " is missing: shared/data must be next to the repository");
        return f;
    }
}
