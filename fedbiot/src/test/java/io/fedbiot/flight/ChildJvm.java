package io.fedbiot.flight;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child JVM on the test's java binary, classpath and JVM flags (a small heap, one core for
 * the kernels), its stdout and stderr collected line by line. Always {@link #close}d in a finally:
 * that SIGKILLs it if still alive.
 */
final class ChildJvm implements AutoCloseable {
    static final int STILL_RUNNING = Integer.MIN_VALUE;

    private final String name;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ChildJvm(String name, Process p) {
        this.name = name;
        this.process = p;
        this.reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(line);
            } catch (IOException e) {
                lines.add("<reader: " + e + ">");
            }
        });
    }

    /** Runs {@code mainClass args} in a new JVM with the working directory {@code dir}. */
    static ChildJvm start(String name, Path dir, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("no java binary")));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-Xmx") && !a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-XX:ActiveProcessorCount"))
                cmd.add(a);
        // One kernel thread each: four JVMs share the machine (results do not depend on the thread count).
        String shared = System.getProperty("fedbiot.shared");
        if (shared != null) cmd.add("-Dfedbiot.shared=" + Path.of(shared).toAbsolutePath());
        cmd.addAll(List.of("-Xmx384m", "-XX:ActiveProcessorCount=1", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        return new ChildJvm(name, p);
    }

    static ChildJvm cli(String name, Path dir, String... args) throws IOException {
        return start(name, dir, "io.fedbiot.cli.Main", args);
    }

    /** The first match of {@code regex} in the output, waiting up to {@code timeout}; fails with the output so far. */
    Matcher await(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long end = System.nanoTime() + timeout.toNanos();
        int from = 0;
        while (true) {
            for (; from < lines.size(); from++) {
                Matcher m = p.matcher(lines.get(from));
                if (m.find()) return m;
            }
            if (System.nanoTime() > end || (!process.isAlive() && !reader.isAlive() && from >= lines.size()))
                throw new AssertionError(name + ": no line matching /" + regex + "/ within " + timeout.toSeconds() + " s"
                        + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "; output:\n" + output());
            Thread.sleep(25);
        }
    }

    /** Waits for the exit code, up to {@code timeout}; {@link #STILL_RUNNING} if it has not exited by then. */
    int exit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) return STILL_RUNNING;
        reader.join(Duration.ofSeconds(5));
        return process.exitValue();
    }

    /** SIGKILL (destroyForcibly is SIGKILL on Unix), then waits for it to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String name() {
        return name;
    }

    String output() {
        return String.join("\n", lines);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}
