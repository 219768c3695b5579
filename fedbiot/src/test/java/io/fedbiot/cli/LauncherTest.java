package io.fedbiot.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bin/fedbiot launcher's JDK search, run through bash against fake JDKs. Only the paths
 * that stop before Maven (--which-java and the "no JDK" failure) run, so this stays fast.
 */
class LauncherTest {
    private static Path bash;
    private static Path launcher;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findBashAndLauncher() {
        assumeTrue(!System.getProperty("os.name", "").startsWith("Windows"),
                "launcher tests need a POSIX system; skipped on Windows");
        bash = onPath("bash");
        assumeTrue(bash != null, "bash not found on PATH; skipping the launcher tests");
        // Surefire runs in the module folder; the launcher is bin/fedbiot in the repository root above it.
        launcher = Path.of("").toAbsolutePath().getParent().resolve("bin").resolve("fedbiot");
        assertTrue(Files.isRegularFile(launcher), "launcher not found at " + launcher);
    }

    @Test
    void noJdk25AnywhereExitsWith2AndSaysWhatToInstall() throws Exception {
        Path jdk17 = fakeJdk(tmp.resolve("jdks/jdk-17"), "17.0.2", true);
        // A fake java 17 first on PATH hides any real java on PATH from the launcher.
        Run r = launch(Map.of("FEDBIOT_JDK_DIRS", tmp.resolve("jdks").toString(),
                "PATH", jdk17.resolve("bin") + File.pathSeparator + System.getenv("PATH")));
        assertEquals(2, r.code(), r.describe());
        assertTrue(r.err().contains("Install JDK 25"), r.describe());
        assertTrue(r.err().contains("JAVA_HOME"), r.describe());
        assertTrue(r.out().isEmpty(), r.describe());
    }

    @Test
    void whichJavaPrintsAJdk25FoundByItsReleaseFile() throws Exception {
        Path jdk17 = fakeJdk(tmp.resolve("jdks/jdk-17"), "17.0.2", true);
        Path jdk25 = fakeJdk(tmp.resolve("jdks/jdk-25"), "25.0.1", true);
        Run r = launch(Map.of("FEDBIOT_JDK_DIRS", jdk25.toString(),
                "PATH", jdk17.resolve("bin") + File.pathSeparator + System.getenv("PATH")));
        assertEquals(0, r.code(), r.describe());
        assertEquals(jdk25.toRealPath(), Path.of(r.out().strip()).toRealPath(), r.describe());
    }

    @Test
    void folderSearchPicksTheHighestVersionAndFallsBackToJavaVersion() throws Exception {
        Path jdk17 = fakeJdk(tmp.resolve("jdks/jdk-17"), "17.0.2", true);
        fakeJdk(tmp.resolve("jdks/jdk-25"), "25.0.9", true);
        Path jdk26 = fakeJdk(tmp.resolve("jdks/jdk-26"), "26.0.1", false); // no release file
        fakeJdk(tmp.resolve("jdks/jdk-25b"), "25.0.10", true);
        Run r = launch(Map.of("FEDBIOT_JDK_DIRS", tmp.resolve("jdks").toString(),
                "PATH", jdk17.resolve("bin") + File.pathSeparator + System.getenv("PATH")));
        assertEquals(0, r.code(), r.describe());
        assertEquals(jdk26.toRealPath(), Path.of(r.out().strip()).toRealPath(), r.describe());
    }

    @Test
    void javaHomeOfVersion25WinsOverTheFolderSearch() throws Exception {
        Path jdk17 = fakeJdk(tmp.resolve("jdks/jdk-17"), "17.0.2", true);
        Path jdk25 = fakeJdk(tmp.resolve("home/jdk-25"), "25.0.1", true);
        fakeJdk(tmp.resolve("jdks/jdk-26"), "26.0.1", true);
        Run r = launch(Map.of("JAVA_HOME", jdk25.toString(),
                "FEDBIOT_JDK_DIRS", tmp.resolve("jdks").toString(),
                "PATH", jdk17.resolve("bin") + File.pathSeparator + System.getenv("PATH")));
        assertEquals(0, r.code(), r.describe());
        assertEquals(jdk25.toRealPath(), Path.of(r.out().strip()).toRealPath(), r.describe());
    }

    // --- helpers ------------------------------------------------------------------------

    private record Run(int code, String out, String err) {
        String describe() {
            return "exit " + code + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
        }
    }

    /** Runs {@code bash bin/fedbiot --which-java} with JAVA_HOME unset unless {@code env} sets it. */
    private Run launch(Map<String, String> env) throws IOException, InterruptedException {
        Path out = tmp.resolve("stdout.txt"), err = tmp.resolve("stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(bash.toString(), launcher.toString(), "--which-java")
                .directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("FEDBIOT_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the launcher did not finish within 60 s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * A fake JDK home: bin/java and bin/javac print {@code version} the way {@code java -version}
     * does, and (when {@code withRelease}) a release file states it too.
     */
    private static Path fakeJdk(Path home, String version, boolean withRelease) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        String script = "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2025-10-21' >&2\n";
        for (String tool : new String[]{"java", "javac"}) {
            Path f = bin.resolve(tool);
            Files.writeString(f, script, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        if (withRelease) {
            Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n", StandardCharsets.UTF_8);
        }
        return home;
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }
}
