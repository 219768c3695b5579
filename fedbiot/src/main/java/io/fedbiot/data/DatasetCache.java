package io.fedbiot.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fedbiot.engine.io.TempFiles;
import io.fedbiot.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tokenized datasets cached as Arrow IPC files. Each (source file, format) has one slot in the
 * cache folder: {@code <slot>.manifest.json} names a content-addressed {@code <slot>.<sha>.arrow}.
 * A load returns the cached rows when the manifest matches (source size and modification time,
 * tokenizer hash, template version, maxLen, the data file's SHA-256), else rebuilds and says why.
 * Both files are written to a temp file and atomically renamed, data first: the manifest rename is
 * the commit point, so a crash leaves either the old cache or the new one, never a half-written one.
 */
public final class DatasetCache {
    /** Bump when the Arrow layout or the manifest changes meaning. */
    static final int CACHE_VERSION = 1;
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** What a load did: {@code hit} when the cache was used, else {@code why} it was (re)built. */
    public record Result(TokenizedDataset dataset, boolean hit, String why, CacheManifest manifest) {}

    private DatasetCache() {}

    /** As {@link #load(Path, DataFormat, Tokenizer, int, BadRowPolicy, Path, Consumer)}, logging to System.err. */
    public static TokenizedDataset load(Path source, DataFormat format, Tokenizer tokenizer, int maxLen,
                                        BadRowPolicy policy, Path cacheDir) throws IOException {
        return load(source, format, tokenizer, maxLen, policy, cacheDir, System.err::println).dataset();
    }

    /**
     * The tokenized rows of {@code source}, from the cache when it is current. {@code log} gets one
     * line saying hit or why it rebuilt, and (under SKIP) one warning per bad row while building.
     * On a hit with bad rows recorded it gets a line with their counts (the rows were skipped when the
     * cache was built). Under FAIL, a cache built with skipped rows is not used: it rebuilds and throws.
     */
    public static Result load(Path source, DataFormat format, Tokenizer tokenizer, int maxLen,
                              BadRowPolicy policy, Path cacheDir, Consumer<String> log) throws IOException {
        if (!Files.isRegularFile(source)) throw new NoSuchFileException(source.toString());
        Files.createDirectories(cacheDir);
        String slot = slot(source, format);
        Path manifestFile = cacheDir.resolve(slot + ".manifest.json");
        BasicFileAttributes attrs = Files.readAttributes(source, BasicFileAttributes.class);

        CacheManifest m = null;
        String why;
        if (!Files.isRegularFile(manifestFile)) {
            why = "no cache yet";
        } else {
            try {
                m = JSON.readValue(manifestFile.toFile(), CacheManifest.class);
                why = stale(m, manifestFile, source, format, attrs, tokenizer, maxLen, policy);
            } catch (IOException e) {
                why = "manifest unreadable (" + e.getMessage() + ")";
            }
        }
        if (why == null) {
            try {
                TokenizedDataset data = ArrowDatasetFile.read(cacheDir.resolve(m.dataFile()), source.toString(), m.badRows());
                if (data.size() != m.rows() || data.tokenCount() != m.tokens())
                    throw new IOException("it holds " + data.size() + " rows, the manifest says " + m.rows());
                log.accept("dataset cache hit: " + source + " (" + m.rows() + " rows) from " + cacheDir.resolve(m.dataFile()));
                if (!m.badRows().isEmpty())
                    log.accept("note: " + source + " had bad rows skipped when the cache was built: " + m.badRows());
                return new Result(nonEmpty(data, maxLen), true, "hit", m);
            } catch (IOException | RuntimeException e) { // Arrow reports damage as runtime exceptions
                why = "cached data unreadable (" + e.getMessage() + ")";
            }
        }
        log.accept("dataset cache rebuild: " + source + ": " + why);
        return build(source, format, tokenizer, maxLen, policy, cacheDir, slot, attrs, log, why);
    }

    /** Why the slot's cache cannot be used, or null when it can. */
    private static String stale(CacheManifest m, Path manifestFile, Path source, DataFormat format, BasicFileAttributes attrs,
                                Tokenizer tokenizer, int maxLen, BadRowPolicy policy) {
        if (m.cacheVersion() != CACHE_VERSION) return "cache version changed (" + m.cacheVersion() + " -> " + CACHE_VERSION + ")";
        if (!source.toAbsolutePath().normalize().toString().equals(m.source())) return "a different source (" + m.source() + ")";
        if (!format.name().equals(m.format())) return "format changed (" + m.format() + " -> " + format + ")";
        if (attrs.size() != m.sourceSize() || !modified(attrs).equals(m.sourceModified()))
            return "source changed (size " + m.sourceSize() + " -> " + attrs.size() + ", modified " + m.sourceModified() + " -> " + modified(attrs) + ")";
        if (!tokenizer.hash().equals(m.tokenizerHash()))
            return "tokenizer changed (" + shortHash(m.tokenizerHash()) + " -> " + shortHash(tokenizer.hash()) + ")";
        if (!AlpacaTemplate.VERSION.equals(m.templateVersion()))
            return "template changed (" + m.templateVersion() + " -> " + AlpacaTemplate.VERSION + ")";
        if (maxLen != m.maxLen()) return "maxLen changed (" + m.maxLen() + " -> " + maxLen + ")";
        if (policy == BadRowPolicy.FAIL && m.badRows() != null && !m.badRows().isEmpty())
            return "policy FAIL but the cache was built skipping bad rows " + m.badRows();
        Path data = manifestFile.resolveSibling(m.dataFile());
        try {
            if (!Files.isRegularFile(data) || Files.size(data) != m.dataSize()) return "cached data file missing or truncated";
            if (!sha256(data).equals(m.dataSha256())) return "cached data file damaged (SHA-256 differs)"; // ~20 ms for Dolly
        } catch (IOException e) {
            return "cached data file unreadable (" + e.getMessage() + ")";
        }
        return null;
    }

    private static Result build(Path source, DataFormat format, Tokenizer tokenizer, int maxLen, BadRowPolicy policy,
                                Path cacheDir, String slot, BasicFileAttributes attrs, Consumer<String> log, String why)
            throws IOException {
        BadRows bad = new BadRows(policy, log);
        TokenizedDataset data = new ExampleEncoder(tokenizer, maxLen).build(source, format, bad);
        if (bad.total() > 0) log.accept(source + ": skipped " + bad.total() + " bad rows " + bad.counts());

        Path tmp = TempFiles.createSibling(cacheDir, slot + ".", ".arrow.tmp");
        String dataName;
        long dataSize;
        String dataSha;
        try {
            ArrowDatasetFile.write(data, tmp);
            dataSha = sha256(tmp);
            dataSize = Files.size(tmp);
            dataName = slot + "." + dataSha.substring(0, 16) + ".arrow";
            moveAtomically(tmp, cacheDir.resolve(dataName));
        } finally {
            Files.deleteIfExists(tmp);
        }
        CacheManifest m = new CacheManifest(CACHE_VERSION, source.toAbsolutePath().normalize().toString(), format.name(),
                attrs.size(), modified(attrs), sha256(source), tokenizer.hash(), AlpacaTemplate.VERSION, maxLen,
                data.size(), data.tokenCount(), bad.counts(), dataName, dataSize, dataSha);
        Path manifestTmp = TempFiles.createSibling(cacheDir, slot + ".", ".manifest.tmp");
        try {
            Files.writeString(manifestTmp, JSON.writeValueAsString(m), StandardCharsets.UTF_8);
            moveAtomically(manifestTmp, cacheDir.resolve(slot + ".manifest.json"));
        } finally {
            Files.deleteIfExists(manifestTmp);
        }
        deleteOldData(cacheDir, slot, dataName, log);
        return new Result(nonEmpty(data, maxLen), false, why, m);
    }

    /** {@code data}, unless no row is left: then an error saying which filter emptied it. */
    static TokenizedDataset nonEmpty(TokenizedDataset data, int maxLen) throws DataFormatException {
        if (data.size() > 0) return data;
        Map<BadRowReason, Integer> bad = data.badRows();
        int total = bad.values().stream().mapToInt(Integer::intValue).sum();
        if (total == 0) throw new DataFormatException(data.source() + ": no rows (the file holds no JSON objects)");
        Integer tooLong = bad.get(BadRowReason.TOO_LONG);
        if (tooLong != null && tooLong == total)
            throw new DataFormatException(data.source() + ": no rows left: all " + total + " rows are longer than max_len " + maxLen
                    + " tokens once prompted; raise data.max_len (up to the model's context)");
        throw new DataFormatException(data.source() + ": no rows left: all " + total + " rows were skipped as bad " + bad
                + (tooLong != null ? " (TOO_LONG: longer than max_len " + maxLen + ")" : ""));
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the cache folder " + to.getParent() + " does not support atomic renames", e);
        }
    }

    /** Earlier builds' data files of this slot (best effort: another process may still read one). */
    private static void deleteOldData(Path cacheDir, String slot, String keep, Consumer<String> log) {
        try (DirectoryStream<Path> old = Files.newDirectoryStream(cacheDir, slot + ".*.arrow")) {
            for (Path p : old) if (!p.getFileName().toString().equals(keep)) Files.deleteIfExists(p);
        } catch (IOException e) {
            log.accept("could not remove old cache files in " + cacheDir + ": " + e.getMessage());
        }
    }

    /** {@code <file name>.<format>.<hash of the absolute path>}: one slot per source and format. */
    static String slot(Path source, DataFormat format) {
        String abs = source.toAbsolutePath().normalize().toString();
        String name = source.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        return name + "." + format.name().toLowerCase(Locale.ROOT) + "." + sha256(abs.getBytes(StandardCharsets.UTF_8)).substring(0, 12);
    }

    private static String modified(BasicFileAttributes attrs) {
        return attrs.lastModifiedTime().toInstant().toString();
    }

    private static String shortHash(String h) {
        return h == null ? "none" : h.substring(0, Math.min(12, h.length()));
    }

    static String sha256(Path file) throws IOException {
        MessageDigest sha = sha();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha().digest(bytes));
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is required of every JDK", e);
        }
    }
}
