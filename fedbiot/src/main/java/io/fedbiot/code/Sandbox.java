package io.fedbiot.code;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs untrusted Python in a separate {@code python3} process per program: a fresh temporary
 * working folder (deleted afterwards), CPU, memory, file-size and process limits and an audit hook
 * set by {@code sandbox_runner.py}, a wall-clock timeout after which the whole process tree is
 * killed, stdout and stderr drained by threads and capped, and no network where {@code unshare}
 * can make a network namespace (probed once; without one the audit hook still refuses sockets, and
 * {@link #isolation()} says why). A program that misbehaves is a failed {@link Result}, never an
 * exception.
 */
public final class Sandbox {
    /**
     * @param wallSeconds  kill the process tree after this long
     * @param cpuSeconds   RLIMIT_CPU
     * @param memoryBytes  RLIMIT_AS
     * @param fileBytes    RLIMIT_FSIZE (largest file the program may write)
     * @param outputBytes  bytes of stdout and of stderr kept; the rest is read and dropped
     */
    public record Limits(double wallSeconds, int cpuSeconds, long memoryBytes, long fileBytes, int outputBytes) {
        public Limits {
            if (!(wallSeconds > 0)) throw new IllegalArgumentException("sandbox wall-clock timeout must be > 0 s, got " + wallSeconds);
        }

        /** CPU time a little above the wall clock (the wall clock is what binds), 1 GiB address space, 1 MiB files, 4 KiB output. */
        public static Limits of(double wallSeconds) {
            return new Limits(wallSeconds, (int) Math.ceil(wallSeconds) + 1, 1L << 30, 1L << 20, 4096);
        }
    }

    public enum Outcome { PASSED, FAILED, TIMEOUT }

    /** What one program did; {@code outputBytes} counts all it wrote, kept or not. */
    public record Result(Outcome outcome, int exitCode, double seconds, String stdout, String stderr, long outputBytes) {
        public boolean passed() {
            return outcome == Outcome.PASSED;
        }
    }

    private static final List<List<String>> ISOLATIONS = List.of(
            List.of("unshare", "--net", "--pid", "--fork", "--kill-child", "--"),
            List.of("unshare", "--map-root-user", "--net", "--pid", "--fork", "--kill-child", "--"),
            List.of("unshare", "--net", "--"),
            List.of("unshare", "--map-root-user", "--net", "--"));

    private final String python;
    private final List<String> prefix;
    private final String isolation;
    private final byte[] runner;

    private Sandbox(String python, List<String> prefix, String isolation) {
        this.python = python;
        this.prefix = prefix;
        this.isolation = isolation;
        try (InputStream in = Sandbox.class.getResourceAsStream("sandbox_runner.py")) {
            if (in == null) throw new IllegalStateException("sandbox_runner.py is missing from the classpath");
            this.runner = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A sandbox running {@code python} (e.g. "python3"), with the strongest namespace isolation this
     * machine allows; an error when python cannot be started at all.
     */
    public static Sandbox detect(String name) {
        // One real interpreter for every run, with or without unshare (a launcher shim may need an environment the runs lack).
        String[] real = new String[1];
        String why = probe(List.of(resolve(name), "-I", "-B", "-c", "import sys; print(sys.executable)"), real);
        if (why == null && (real[0].isBlank() || !Files.isExecutable(Path.of(real[0]))))
            why = "it names no executable of its own (sys.executable '" + real[0] + "')";
        if (why != null) throw new IllegalArgumentException("cannot run the sandbox's Python '" + name + "': " + why);
        String python = real[0];
        List<String> plain = List.of(python, "-I", "-B", "-c", "pass");
        List<String> failures = new ArrayList<>();
        for (List<String> p : ISOLATIONS) {
            List<String> cmd = new ArrayList<>(p);
            cmd.addAll(plain);
            String f = probe(cmd, null);
            if (f == null) return new Sandbox(python, p, python + "; network namespace" + (p.contains("--pid") ? " and pid namespace" : "")
                    + " (" + String.join(" ", p.subList(0, p.size() - 1)) + ")");
            failures.add(f);
        }
        return new Sandbox(python, List.of(), python + "; no network namespace: unshare failed (" + failures.getFirst()
                + "); sockets are refused only by the audit hook");
    }

    /** Without any namespace, as on a machine that allows none: the audit hook and limits alone (tests). */
    static Sandbox withoutNamespaces(String python) {
        return new Sandbox(python, List.of(), "no namespaces (asked for)");
    }

    /** How this sandbox keeps programs off the network and out of other processes, for the report. */
    public String isolation() {
        return isolation;
    }

    /** Runs {@code program} in a fresh folder under the system temp folder. */
    public Result run(String program, Limits limits) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("fedbiot-sandbox-");
            Files.write(dir.resolve("runner.py"), runner);
            Files.writeString(dir.resolve("program.py"), program, StandardCharsets.UTF_8);
            return execute(dir, limits);
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox: cannot prepare a working folder", e);
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    private Result execute(Path dir, Limits limits) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(python, "-I", "-B", "runner.py", "program.py", Integer.toString(limits.cpuSeconds()),
                Long.toString(limits.memoryBytes()), Long.toString(limits.fileBytes())));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().clear(); // nothing of ours (tokens, paths) leaks in
        pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("LANG", "C.UTF-8");
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        Drain out = new Drain(p.getInputStream(), limits.outputBytes()), err = new Drain(p.getErrorStream(), limits.outputBytes());
        boolean finished;
        try {
            finished = p.waitFor((long) (limits.wallSeconds() * 1e9), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sandbox run interrupted", e);
        }
        if (!finished) killTree(p);
        int code;
        try {
            code = p.waitFor();
            out.join(2000); // a pipe still held open by an escaped grandchild must not hang the run
            err.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sandbox run interrupted", e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Outcome o = !finished ? Outcome.TIMEOUT : code == 0 ? Outcome.PASSED : Outcome.FAILED;
        return new Result(o, code, seconds, out.text(), err.text(), out.total + err.total);
    }

    /** Children first (a snapshot, taken while the parent still holds them), then the process; the pid namespace takes any orphan. */
    private static void killTree(Process p) {
        try (Stream<ProcessHandle> d = p.descendants()) {
            d.forEach(ProcessHandle::destroyForcibly);
        }
        p.destroyForcibly();
    }

    /** A bare name looked up on this process's PATH (as a shell would), else as given. */
    private static String resolve(String name) {
        if (name.contains("/")) return name;
        String path = System.getenv("PATH");
        if (path != null)
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path f = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(f) && Files.isExecutable(f)) return f.toAbsolutePath().toString();
            }
        return name;
    }

    /** Null when the command runs and exits 0 within 10 s, else why not; its output (stripped) to out[0] when given. */
    private static String probe(List<String> cmd, String[] out) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            Drain d = new Drain(p.getInputStream(), 512);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                killTree(p);
                return "no answer in 10 s";
            }
            d.join(2000);
            if (out != null) out[0] = d.text().strip();
            return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + d.text().strip();
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover temp folder is not worth failing an evaluation for
        }
    }

    /** Reads a stream to its end on its own thread, keeping the first {@code cap} bytes. */
    private static final class Drain {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread thread;
        private volatile long total;

        Drain(InputStream in, int cap) {
            thread = Thread.ofPlatform().daemon().name("sandbox-drain").start(() -> {
                byte[] buf = new byte[8192];
                long n = 0;
                try (in) {
                    for (int r; (r = in.read(buf)) != -1; ) {
                        int keep = (int) Math.max(0, Math.min(r, cap - n));
                        if (keep > 0) synchronized (kept) {
                            kept.write(buf, 0, keep);
                        }
                        n += r;
                        total = n;
                    }
                } catch (IOException ignored) {
                    // the process was killed: what was read is kept
                }
            });
        }

        void join(long millis) throws InterruptedException {
            thread.join(millis);
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
