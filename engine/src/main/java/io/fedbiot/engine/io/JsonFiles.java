package io.fedbiot.engine.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small JSON model file read strictly: a parse error names the file, line and column, and each
 * typed getter names the file and key with what it expected and what it found.
 */
final class JsonFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final JsonNode root;

    private JsonFiles(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** {@code file} parsed; it must hold one JSON object. */
    static JsonFiles readObject(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new java.nio.file.NoSuchFileException(file.toString());
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) { // JsonProcessingException, or a byte sequence no charset decodes
            var at = e instanceof JsonProcessingException j ? j.getLocation() : null;
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new CheckpointFormatException(file + ": not valid JSON" + where + ": "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        if (root == null || !root.isObject())
            throw new CheckpointFormatException(file + ": expected a JSON object, got " + (root == null ? "an empty file" : root.getNodeType()));
        return new JsonFiles(file, root);
    }

    Path file() {
        return file;
    }

    /** The value of {@code key}, or null when absent or JSON null. */
    JsonNode get(String key) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? null : v;
    }

    CheckpointFormatException bad(String key, String expected) {
        JsonNode v = root.get(key);
        return new CheckpointFormatException(file + ": key '" + key + "' " + expected + ", got " + (v == null ? "nothing" : v.toString()));
    }

    int requireInt(String key) throws CheckpointFormatException {
        JsonNode v = get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) throw bad(key, "must be an integer");
        return v.intValue();
    }

    int integer(String key, int absent) throws CheckpointFormatException {
        return get(key) == null ? absent : requireInt(key);
    }

    double requireNumber(String key) throws CheckpointFormatException {
        JsonNode v = get(key);
        if (v == null || !v.isNumber() || !Double.isFinite(v.doubleValue())) throw bad(key, "must be a finite number");
        return v.doubleValue();
    }

    double number(String key, double absent) throws CheckpointFormatException {
        return get(key) == null ? absent : requireNumber(key);
    }

    boolean bool(String key, boolean absent) throws CheckpointFormatException {
        JsonNode v = get(key);
        if (v == null) return absent;
        if (!v.isBoolean()) throw bad(key, "must be true or false");
        return v.booleanValue();
    }

    /** A string value, or {@code absent}. */
    String text(String key, String absent) throws CheckpointFormatException {
        JsonNode v = get(key);
        if (v == null) return absent;
        if (!v.isTextual()) throw bad(key, "must be a string");
        return v.textValue();
    }
}
