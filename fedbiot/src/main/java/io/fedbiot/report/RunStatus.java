package io.fedbiot.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code status.json} of a run folder: "running" from the start (updated as each round ends),
 * "finished" or "failed" at the end, "interrupted" from a shutdown hook. A folder left "running"
 * with no live process is an interrupted run too (killed with -9, power loss).
 */
public record RunStatus(String state, String method, int lastRound, long pid) {
    public static final String FILE = "status.json";
    public static final String RUNNING = "running", FINISHED = "finished", FAILED = "failed", INTERRUPTED = "interrupted";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    public static RunStatus running(String method, int lastRound) {
        return new RunStatus(RUNNING, method, lastRound, ProcessHandle.current().pid());
    }

    public RunStatus as(String newState) {
        return new RunStatus(newState, method, lastRound, pid);
    }

    public void write(Path dir) throws IOException {
        AtomicFiles.write(dir.resolve(FILE), os -> JSON.writerWithDefaultPrettyPrinter().writeValue(os, this));
    }

    /** The folder's status, or null when it has none or it cannot be read (an old run, a damaged file). */
    public static RunStatus read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return null;
        try {
            return JSON.readValue(f.toFile(), RunStatus.class);
        } catch (IOException e) {
            return null;
        }
    }

    /** True while the process that wrote "running" is alive (and is not this one). */
    public boolean liveElsewhere() {
        return RUNNING.equals(state) && pid != ProcessHandle.current().pid()
                && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The report's line for a run that did not finish, or null for a finished one. */
    public String unfinishedNote() {
        if (FINISHED.equals(state)) return null;
        String at = lastRound < 0 ? "before its first round ended" : "after round " + lastRound + (method == null ? "" : " of " + method);
        return (FAILED.equals(state) ? "failed " : "interrupted ") + at;
    }
}
