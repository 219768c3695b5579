package io.fedbiot.report;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A folder's {@link RunStatus} kept for one run: "running" from {@link #start}, after each round
 * {@link #round}, "finished" by {@link #finished}, "failed" when closed without it, "interrupted"
 * from a shutdown hook (SIGINT, SIGTERM). Used as try-with-resources around the run, in process
 * (Experiment) and on the Flight server.
 */
public final class StatusFile implements AutoCloseable {
    private final Path dir;
    private final Thread onSignal;
    private volatile RunStatus status;
    private boolean done;

    private StatusFile(Path dir) {
        this.dir = dir;
        this.status = RunStatus.running(null, -1);
        this.onSignal = new Thread(this::interrupted, "status-on-signal");
    }

    /** Writes "running" in {@code dir} (which exists) and watches for a signal. */
    public static StatusFile start(Path dir) throws IOException {
        StatusFile s = new StatusFile(dir);
        s.status.write(dir);
        Runtime.getRuntime().addShutdownHook(s.onSignal);
        return s;
    }

    public RunStatus current() {
        return status;
    }

    /** Round {@code round} of {@code method} is complete. */
    public void round(String method, int round) throws IOException {
        status = RunStatus.running(method, round);
        status.write(dir);
    }

    public void finished() throws IOException {
        status = status.as(RunStatus.FINISHED);
        status.write(dir);
        done = true;
    }

    /** "failed", written now (so a report written next reads it); close then leaves it. */
    public void failed() throws IOException {
        status = status.as(RunStatus.FAILED);
        status.write(dir);
        done = true;
    }

    /** What the shutdown hook does; the JVM is going down, so a failed write leaves "running", which reads the same. */
    void interrupted() {
        try {
            status.as(RunStatus.INTERRUPTED).write(dir);
        } catch (IOException | RuntimeException ignored) {
        }
    }

    /** "failed" unless {@link #finished} ran; during a shutdown the hook's "interrupted" stands. */
    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(onSignal);
        } catch (IllegalStateException shuttingDown) {
            return;
        }
        if (!done) {
            status = status.as(RunStatus.FAILED);
            status.write(dir);
        }
    }
}
