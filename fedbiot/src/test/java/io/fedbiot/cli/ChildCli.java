package io.fedbiot.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CLI in a fresh JVM started with exactly the flags bin/fedbiot uses (the root pom's
 * {@code <fedbiot.jvm.flags>}), for what only a new process shows: the JDK's own warnings and
 * what a backend prints the first time it is chosen.
 */
final class ChildCli {
    /** The one line the JDK prints for any use of an incubator module; no flag turns it off. */
    static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

    private ChildCli() {}

    record Result(int code, String out, String err) {
        /** Standard error's lines without the incubator notice, which must be there exactly once, first. */
        List<String> errLines() {
            List<String> lines = new ArrayList<>(err.lines().toList());
            assertTrue(!lines.isEmpty() && lines.getFirst().equals(INCUBATOR_NOTICE), "the incubator notice first:\n" + err);
            lines.removeFirst();
            assertTrue(!lines.contains(INCUBATOR_NOTICE), "the incubator notice once:\n" + err);
            return lines;
        }

        String describe() {
            return "exit " + code + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
        }
    }

    /** The launcher's JVM flags, read from the root pom.xml as bin/fedbiot reads them. */
    static List<String> jvmFlags() throws IOException {
        Path pom = Path.of("").toAbsolutePath().getParent().resolve("pom.xml");
        Matcher m = Pattern.compile("<fedbiot\\.jvm\\.flags>(.*)</fedbiot\\.jvm\\.flags>").matcher(Files.readString(pom));
        if (!m.find()) fail("no <fedbiot.jvm.flags> in " + pom);
        return Arrays.stream(m.group(1).strip().split("\\s+")).toList();
    }

    /** Runs {@code bin/fedbiot args} as the launcher would, on this test's class path, in {@code dir}. */
    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags());
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt"), err = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("FEDBIOT_JAVA_OPTS");
        pb.environment().remove("JAVA_TOOL_OPTIONS"); // it would add a "Picked up ..." line
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) { // a guard against a hang, not a timing check
            p.destroyForcibly();
            fail("bin/fedbiot " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
