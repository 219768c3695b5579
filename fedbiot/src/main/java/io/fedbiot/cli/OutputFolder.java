package io.fedbiot.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one check every command that writes a folder makes before any work: the folder exists or
 * can be made, and a file can be written in it. Tested by writing, since permission bits, ACLs,
 * read-only mounts and full quotas all lie to a look at the mode.
 */
final class OutputFolder {
    private OutputFolder() {}

    /**
     * {@code dir} proven writable, else a user error naming it ({@code what}: the option or key).
     * Folders it had to create for the probe are removed again, so a later input error leaves nothing behind.
     */
    static Path writable(Path dir, String what) {
        if (Files.isRegularFile(dir)) throw new UserError(what + " " + dir + ": is an existing file, expected a folder", null);
        Path top = dir.toAbsolutePath().normalize();
        while (top.getParent() != null && !Files.exists(top.getParent())) top = top.getParent();
        boolean made = !Files.exists(top);
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".fedbiot-write-probe-", ".tmp");
            Files.delete(probe);
            if (made) removeEmptyFolders(dir.toAbsolutePath().normalize(), top);
        } catch (IOException | SecurityException e) {
            throw new UserError(what + " " + dir + ": cannot write here (" + CliErrors.message(e) + ")", e);
        }
        return dir;
    }

    private static void removeEmptyFolders(Path from, Path top) throws IOException {
        for (Path p = from; p != null && p.startsWith(top); p = p.getParent()) Files.deleteIfExists(p);
    }
}
