package io.fedbiot.engine.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Temporary siblings for write-then-rename. Unlike {@link Files#createTempFile}, which makes the
 * file owner-only (0600), the file is created like any other (the process umask applies), so the
 * renamed result has the permissions a plain write would give it.
 */
public final class TempFiles {
    private TempFiles() {}

    /** Creates a new empty file {@code dir/prefix<random>suffix} and returns its path. */
    public static Path createSibling(Path dir, String prefix, String suffix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + suffix);
            try {
                Files.newByteChannel(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return p;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw new IOException("cannot create a temporary file in " + dir, e);
            }
        }
    }
}
