package io.fedbiot.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    /** What one CLI run returned and printed. */
    private record Result(int code, String out, String err) {}

    /** Runs {@code Main.run(args)} — the public entry point — with System.out/err captured. */
    private static Result runCapturingSystemStreams(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Runs the CLI on writers of its own. */
    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        Result r = runCapturingSystemStreams("--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Usage: bin/fedbiot"), r.out());
        assertTrue(r.out().contains("--version"), r.out());
    }

    @Test
    void everyCommandsHelpIsCleanAndOffersDebug() {
        for (String cmd : new picocli.CommandLine(new Main()).getSubcommands().keySet()) {
            if (cmd.equals("help")) continue;
            Result r = runCapturingSystemStreams(cmd, "--help");
            assertEquals(0, r.code(), cmd + ": " + r.err());
            assertFalse(r.err().contains("picocli WARN") || r.out().contains("picocli WARN"), cmd + " --help warns: " + r.err());
            assertTrue(r.out().contains("--debug"), cmd + " --help should list --debug: " + r.out());
        }
    }

    @Test
    void noArgumentsPrintsUsage() {
        Result r = run();
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Usage: bin/fedbiot"), r.out());
    }

    @Test
    void versionPrintsTheFilteredProjectVersion() {
        String version = VersionInfo.version();
        assertNotEquals("unknown", version, "build.properties was not found on the class path");
        assertFalse(version.contains("${"), "build.properties was not filtered by Maven: " + version);
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+.*"), version);

        Result r = runCapturingSystemStreams("--version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("fedbiot " + version), r.out());
    }

    @Test
    void unknownOptionFailsWithAnErrorOnStderr() {
        Result r = run("--no-such-option");
        assertEquals(2, r.code(), "a usage error");
        assertTrue(r.err().contains("--no-such-option"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }
}
