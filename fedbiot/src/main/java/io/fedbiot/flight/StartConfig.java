package io.fedbiot.flight;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fedbiot.report.AtomicFiles;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The config a server's state folder was started with: {@code config.json}, the parsed config as
 * one value per key (after --set), and {@code config.sha256}, its SHA-256. A resume compares the
 * parsed configs key by key, so a reordered or re-commented YAML still resumes and a changed value
 * is named.
 */
final class StartConfig {
    static final String FILE = "config.json", HASH = "config.sha256";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

    private StartConfig() {}

    /** {@code config} (a record, as ExperimentConfig) flattened to dotted snake_case keys. */
    static Map<String, String> flatten(Record config) {
        Map<String, String> out = new TreeMap<>();
        flatten("", config, out);
        return out;
    }

    private static void flatten(String prefix, Object v, Map<String, String> out) {
        if (v instanceof Record r) {
            // A sealed choice (partition scheme, ...) differs by its type even with equal fields.
            if (r.getClass().getInterfaces().length > 0 && !prefix.isEmpty())
                out.put(prefix.substring(0, prefix.length() - 1) + ".type", r.getClass().getSimpleName());
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                Object x;
                try {
                    x = c.getAccessor().invoke(r);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
                flatten(prefix + snake(c.getName()) + ".", x, out);
            }
            if (r.getClass().getRecordComponents().length == 0 && !prefix.isEmpty()) out.putIfAbsent(prefix.substring(0, prefix.length() - 1) + ".type", r.getClass().getSimpleName());
        } else out.put(prefix.substring(0, prefix.length() - 1), String.valueOf(v));
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
    }

    static String sha256(Map<String, String> flat) throws IOException {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsString(new TreeMap<>(flat)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void save(Path dir, Record config) throws IOException {
        Map<String, String> flat = flatten(config);
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(FILE), os -> JSON.writeValue(os, flat));
        String hash = sha256(flat);
        AtomicFiles.write(dir.resolve(HASH), os -> os.write((hash + "  " + FILE + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Refuses to resume {@code dir} with a config other than the one it started with, naming each
     * key that differs with its old and new value. A folder without config.json (an older server's)
     * is not checked.
     */
    static void checkSame(Path dir, Record config) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return;
        Map<String, String> old;
        try {
            old = JSON.readValue(f.toFile(), new TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException(f + ": not the config copy a server writes (" + e.getMessage().lines().findFirst().orElse("")
                    + "); delete the state folder to start over", e);
        }
        Map<String, String> now = flatten(config);
        if (sha256(now).equals(sha256(old))) return;
        List<String> diffs = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(old.keySet());
        keys.addAll(now.keySet());
        for (String k : keys)
            if (!Objects.equals(old.get(k), now.get(k))) diffs.add(k + ": was " + show(old.get(k)) + ", now " + show(now.get(k)));
        throw new IllegalArgumentException(dir + " was started with another config; resuming needs the same one, or use another "
                + "--state folder. Differences: " + String.join("; ", diffs));
    }

    private static String show(String v) {
        return v == null ? "(absent)" : v;
    }
}
