package io.fedbiot.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Starts a run in an output folder: refuses a folder a live run is writing, deletes the orphan
 * temporary files of a killed run, and moves an old run's metrics, report, plots, status and
 * adapters into {@code previous-<time>/} so they never sit beside the new run's files.
 */
public final class RunFolder {
    /** What a run writes: metrics, report and plots, status, HumanEval samples, and per method and seed its adapters. */
    private static final Pattern OUTPUTS = Pattern.compile("rounds\\.csv|rounds\\.arrow|clients\\.csv|untuned\\.csv|report\\.md|status\\.json|.*\\.png|humaneval-[a-z_-]+(-seed-?\\d+)?\\.jsonl|[a-z_]+-seed-?\\d+");
    /** The temporary siblings of write-then-rename ({@link AtomicFiles}, safetensors, dataset cache). */
    private static final Pattern TEMP = Pattern.compile("\\..*\\.tmp|.*\\.arrow\\.tmp|.*\\.manifest\\.tmp");

    private RunFolder() {}

    /** Prepares {@code dir}; returns the folder the old run moved to, or null when there was none. */
    public static Path start(Path dir) throws IOException {
        Files.createDirectories(dir);
        RunStatus old = RunStatus.read(dir);
        if (old != null && old.liveElsewhere())
            throw new IllegalArgumentException(dir.resolve(RunStatus.FILE) + ": process " + old.pid() + " is still running in this folder; "
                    + "wait for it or choose another output folder");
        deleteTemporaries(dir);
        List<Path> outputs;
        try (Stream<Path> s = Files.list(dir)) {
            outputs = s.filter(p -> OUTPUTS.matcher(p.getFileName().toString()).matches()).toList();
        }
        if (outputs.isEmpty()) return null;
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path aside = dir.resolve("previous-" + stamp);
        for (int i = 2; Files.exists(aside); i++) aside = dir.resolve("previous-" + stamp + "-" + i);
        Files.createDirectory(aside);
        for (Path p : outputs) Files.move(p, aside.resolve(p.getFileName()));
        return aside;
    }

    /** Deletes temporary files under {@code dir} (not inside earlier runs moved aside). */
    public static void deleteTemporaries(Path dir) throws IOException {
        List<Path> temps;
        try (Stream<Path> s = Files.walk(dir)) {
            temps = s.filter(p -> !dir.relativize(p).toString().startsWith("previous-") && Files.isRegularFile(p)
                    && TEMP.matcher(p.getFileName().toString()).matches()).toList();
        }
        for (Path p : temps) Files.deleteIfExists(p);
    }
}
