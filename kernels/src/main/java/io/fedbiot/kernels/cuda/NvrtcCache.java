package io.fedbiot.kernels.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Disk cache of NVRTC output, keyed by a SHA-256 of everything that changes the PTX: the
 * source, every header's name and text, the options (which hold the target architecture) and
 * the NVRTC version. Entries are written to a temporary file and renamed, so a crash never
 * leaves half a module behind.
 */
record NvrtcCache(Path dir) {
    /** fedbiot.cuda.cache, else $XDG_CACHE_HOME/fedbiot/cuda, else ~/.cache/fedbiot/cuda. */
    static NvrtcCache standard() {
        String prop = System.getProperty("fedbiot.cuda.cache");
        if (prop != null && !prop.isBlank()) return new NvrtcCache(Path.of(prop));
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new NvrtcCache(base.resolve("fedbiot").resolve("cuda"));
    }

    /** The key of one compilation (64 hex digits). Header order does not matter; everything else does. */
    static String key(String source, Map<String, String> headers, List<String> options, String nvrtcVersion) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            field(md, "fedbiot-nvrtc-1");
            field(md, nvrtcVersion);
            field(md, Integer.toString(options.size()));
            for (String o : options) field(md, o);
            TreeMap<String, String> sorted = new TreeMap<>(headers);
            field(md, Integer.toString(sorted.size()));
            for (var e : sorted.entrySet()) {
                field(md, e.getKey());
                field(md, e.getValue());
            }
            field(md, source);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JDK", e);
        }
    }

    /** Length-prefixed, so ("ab","c") and ("a","bc") differ. */
    private static void field(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update((b.length + ":").getBytes(StandardCharsets.US_ASCII));
        md.update(b);
    }

    Path file(String key) {
        return dir.resolve(key + ".ptx");
    }

    /** The cached bytes for {@code key}, or {@code compile}'s output, stored for next time. */
    byte[] getOrCompile(String key, Supplier<byte[]> compile) {
        Path f = file(key);
        try {
            if (Files.isRegularFile(f)) return Files.readAllBytes(f);
            byte[] out = compile.get();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            try {
                Files.write(tmp, out);
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("NVRTC cache " + f, e);
        }
    }
}
