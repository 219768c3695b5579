package io.fedbiot.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TempFilesTest {
    @TempDir
    Path dir;

    @Test
    void siblingHasThePermissionsOfAPlainWrite() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        Path tmp = TempFiles.createSibling(dir, ".out.", ".tmp");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(tmp));
        assertEquals(0, Files.size(tmp));
    }

    @Test
    void siblingsAreDistinctNewFilesInTheFolder() throws IOException {
        Path a = TempFiles.createSibling(dir, ".out.", ".tmp"), b = TempFiles.createSibling(dir, ".out.", ".tmp");
        assertNotEquals(a, b);
        assertEquals(dir, a.getParent());
        assertTrue(a.getFileName().toString().startsWith(".out.") && a.getFileName().toString().endsWith(".tmp"));
        assertTrue(Files.exists(a) && Files.exists(b));
    }
}
