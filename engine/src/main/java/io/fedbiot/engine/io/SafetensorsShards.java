package io.fedbiot.engine.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.fedbiot.engine.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors files of a Hugging Face folder: {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json}'s weight_map names. Each file is mapped once into the
 * caller's arena; tensors are slices of those mappings. Checked on open: every shard exists, holds
 * the tensors listed for it, and no tensor is listed twice or stored in two shards.
 */
public final class SafetensorsShards {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final Map<String, SafetensorsFile> where;   // tensor → the file that holds it
    private final Map<String, SafetensorsFile> files;   // file name → mapping, in first-use order

    private SafetensorsShards(Path dir, Map<String, SafetensorsFile> where, Map<String, SafetensorsFile> files) {
        this.dir = dir;
        this.where = Collections.unmodifiableMap(where);
        this.files = Collections.unmodifiableMap(files);
    }

    /** Maps the single file if present, else every shard of the index; errors name the file and tensor. */
    public static SafetensorsShards open(Path dir, Arena arena) throws IOException {
        Map<String, SafetensorsFile> where = new LinkedHashMap<>();
        Map<String, SafetensorsFile> files = new LinkedHashMap<>();
        Path single = dir.resolve(SINGLE), index = dir.resolve(INDEX);
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single, arena);
            files.put(SINGLE, f);
            for (String n : f.entries().keySet()) where.put(n, f);
            return new SafetensorsShards(dir, where, files);
        }
        if (!Files.isRegularFile(index))
            throw new CheckpointFormatException(dir + ": neither " + SINGLE + " nor " + INDEX + " found");
        JsonNode map = weightMap(index);
        for (var e : map.properties()) {
            String tensor = e.getKey();
            if (!e.getValue().isTextual())
                throw new CheckpointFormatException(index + ": weight_map['" + tensor + "'] is " + e.getValue() + ", not a file name");
            String shard = e.getValue().asText();
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith("."))
                throw new CheckpointFormatException(index + ": shard name '" + shard + "' of tensor '" + tensor
                        + "' is not a plain file name in the folder");
            SafetensorsFile f = files.get(shard);
            if (f == null) {
                Path p = dir.resolve(shard);
                if (!Files.isRegularFile(p))
                    throw new CheckpointFormatException(index + ": tensor '" + tensor + "' is in shard " + shard
                            + ", which does not exist (" + p + ")");
                f = SafetensorsFile.open(p, arena);
                files.put(shard, f);
            }
            if (!f.has(tensor))
                throw new CheckpointFormatException(f.path() + ": missing tensor '" + tensor + "' (listed there by " + index + ")");
            where.put(tensor, f);
        }
        // A tensor stored in two shards is ambiguous even if the index names one of them.
        Map<String, SafetensorsFile> seen = new LinkedHashMap<>();
        for (SafetensorsFile f : files.values())
            for (String n : f.entries().keySet()) {
                SafetensorsFile other = seen.putIfAbsent(n, f);
                if (other != null)
                    throw new CheckpointFormatException(index + ": tensor '" + n + "' is stored twice, in "
                            + other.path().getFileName() + " and " + f.path().getFileName());
            }
        return new SafetensorsShards(dir, where, files);
    }

    private static JsonNode weightMap(Path index) throws IOException {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) { // a duplicate key is one too: a tensor listed twice
            var at = e.getLocation();
            throw new CheckpointFormatException(index + ": not valid JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new CheckpointFormatException(index + ": no weight_map object");
        return map;
    }

    public Path dir() { return dir; }

    /** File name → mapped file, each once. */
    public Map<String, SafetensorsFile> files() { return files; }

    /** Tensor name → the file that holds it. */
    public Map<String, SafetensorsFile> where() { return where; }

    /** The file holding {@code tensor}, or null. */
    public SafetensorsFile fileOf(String tensor) {
        return where.get(tensor);
    }

    /** The path an error about a missing tensor should name: the single file, or the index. */
    public Path listing() {
        return files.containsKey(SINGLE) ? files.get(SINGLE).path() : dir.resolve(INDEX);
    }

    /** {@code tensor} in its stored dtype, a view of its shard's mapping (see {@link SafetensorsFile#stored}). */
    public Tensor stored(String tensor, Arena arena) throws CheckpointFormatException {
        SafetensorsFile f = where.get(tensor);
        if (f == null) throw new CheckpointFormatException(listing() + ": missing tensor '" + tensor + "'");
        return f.stored(tensor, arena);
    }
}
