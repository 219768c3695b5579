package io.fedbiot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * F32 safetensors read and written by hand from the format's definition, so that tests check the
 * engine's reader against the bytes rather than against itself.
 */
final class RawSafetensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RawSafetensors() {}

    record Entry(int[] shape, float[] data) {}

    static Map<String, Entry> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong(0);
        JsonNode header = JSON.readTree(new String(b.array(), 8, n, StandardCharsets.UTF_8));
        Map<String, Entry> out = new LinkedHashMap<>();
        for (var f : header.properties()) {
            if (f.getKey().equals("__metadata__")) continue;
            JsonNode v = f.getValue();
            if (!v.get("dtype").asText().equals("F32")) throw new IllegalStateException(f.getKey() + " is not F32");
            int[] shape = new int[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = v.get("shape").get(i).asInt();
            long begin = v.get("data_offsets").get(0).asLong(), end = v.get("data_offsets").get(1).asLong();
            float[] data = new float[(int) ((end - begin) / 4)];
            for (int i = 0; i < data.length; i++) data[i] = b.getFloat((int) (8 + n + begin) + 4 * i);
            out.put(f.getKey(), new Entry(shape, data));
        }
        return out;
    }

    static void write(Path file, Map<String, Entry> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long at = 0;
        for (var e : tensors.entrySet()) {
            ObjectNode v = header.putObject(e.getKey());
            v.put("dtype", "F32");
            var shape = v.putArray("shape");
            for (int d : e.getValue().shape()) shape.add(d);
            v.putArray("data_offsets").add(at).add(at + 4L * e.getValue().data().length);
            at += 4L * e.getValue().data().length;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        ByteBuffer b = ByteBuffer.allocate((int) (8 + h.length + at)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (Entry e : tensors.values()) for (float x : e.data()) b.putFloat(x);
        Files.write(file, b.array());
    }
}
