package io.fedbiot.engine.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the data.
 * Every entry is validated on open (known dtype, offsets inside the file, size = numel × dtype
 * size); any dtype can be read raw, F32/F16/BF16 as F32 tensors or, zero-copy, in their stored dtype.
 * Offsets are longs throughout and the mapping is one {@link MemorySegment}: no 2 GB limit.
 */
public final class SafetensorsFile {
    /** A tensor named twice in one header would otherwise silently keep the last entry. */
    static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    /** Element sizes of the dtypes the format defines. */
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1),
            Map.entry("F8_E4M3", 1), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2),
            Map.entry("BF16", 2), Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
            Map.entry("F64", 8), Map.entry("I64", 8), Map.entry("U64", 8));

    /** One header entry; {@code begin} is absolute in the file. */
    public record Entry(String name, String dtype, int[] shape, long begin, long end) {
        public long numel() {
            return Tensor.numel(shape);
        }
    }

    private final Path path;
    private final MemorySegment file;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MemorySegment file, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.file = file;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Maps {@code file} into {@code arena} and validates its header. */
    public static SafetensorsFile open(Path file, Arena arena) throws IOException {
        MemorySegment seg = MappedFile.map(file, arena);
        long size = seg.byteSize();
        if (size < 8) throw new CheckpointFormatException(file + ": " + size + " bytes, too short for a safetensors header");
        long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 2 || n > size - 8)
            throw new CheckpointFormatException(file + ": header length " + Long.toUnsignedString(n)
                    + " runs past the end of the file (" + size + " bytes)");
        if (n > 100_000_000) throw new CheckpointFormatException(file + ": header length " + n + " exceeds 100 MB");
        byte[] hb = new byte[(int) n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 8, hb, 0, hb.length);
        JsonNode root;
        try {
            root = JSON.readTree(new String(hb, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointFormatException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new CheckpointFormatException(file + ": header is not a JSON object");
        long dataStart = 8 + n;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var f : root.properties()) {
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new CheckpointFormatException(file + ": __metadata__ is not an object");
                v.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().isTextual()
                        ? m.getValue().asText() : m.getValue().toString()));
                continue;
            }
            String where = file + ": tensor '" + name + "'";
            JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
            if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2)
                throw new CheckpointFormatException(where + ": entry needs dtype, shape and data_offsets [begin, end], got " + v);
            String dtype = dt.asText();
            Integer esize = DTYPE_BYTES.get(dtype);
            if (esize == null) throw new CheckpointFormatException(where + ": unknown dtype '" + dtype + "'");
            int[] shape = new int[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = sh.get(i);
                if (!d.canConvertToInt() || d.asInt() < 0)
                    throw new CheckpointFormatException(where + ": bad dimension " + d + " in shape " + sh);
                shape[i] = d.asInt();
            }
            if (!off.get(0).canConvertToLong() || !off.get(1).canConvertToLong())
                throw new CheckpointFormatException(where + ": bad data_offsets " + off);
            long b = off.get(0).asLong(), e = off.get(1).asLong();
            if (b < 0 || e < b || e > size - dataStart)
                throw new CheckpointFormatException(where + ": data_offsets [" + b + ", " + e + "] lie outside the "
                        + (size - dataStart) + " data bytes of the file (truncated?)");
            long numel;
            try {
                numel = 1;
                for (int d : shape) numel = Math.multiplyExact(numel, d);
                numel = Math.multiplyExact(numel, esize);
            } catch (ArithmeticException x) {
                throw new CheckpointFormatException(where + ": shape " + Arrays.toString(shape) + " overflows");
            }
            if (e - b != numel)
                throw new CheckpointFormatException(where + ": " + (e - b) + " data bytes but " + dtype
                        + Arrays.toString(shape) + " needs " + numel);
            entries.put(name, new Entry(name, dtype, shape, dataStart + b, dataStart + e));
        }
        return new SafetensorsFile(file, seg, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    public Path path() { return path; }
    /** Entries in header order. */
    public Map<String, Entry> entries() { return entries; }
    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() { return metadata; }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    public Entry entry(String name) throws CheckpointFormatException {
        Entry e = entries.get(name);
        if (e == null) throw new CheckpointFormatException(path + ": missing tensor '" + name + "'");
        return e;
    }

    /** The raw bytes of a tensor, a slice of the mapping. */
    public MemorySegment bytes(String name) throws CheckpointFormatException {
        Entry e = entry(name);
        return file.asSlice(e.begin(), e.end() - e.begin());
    }

    /** Tensor {@code name} as F32 (zero-copy for F32, converted into {@code arena} for BF16/F16). */
    public Tensor f32(String name, Arena arena) throws CheckpointFormatException {
        Entry e = entry(name);
        return TensorData.f32(bytes(name), weightDtype(e), arena, e.shape());
    }

    /**
     * Tensor {@code name} in its stored dtype (F32, BF16 or F16), a view of the mapping: nothing is
     * widened or copied unless the data is misaligned for its element size (then copied into
     * {@code arena}). It lives as long as the mapping's arena.
     */
    public Tensor stored(String name, Arena arena) throws CheckpointFormatException {
        Entry e = entry(name);
        return TensorData.stored(bytes(name), weightDtype(e), arena, e.shape());
    }

    private DType weightDtype(Entry e) throws CheckpointFormatException {
        return switch (e.dtype()) {
            case "F32" -> DType.F32;
            case "BF16" -> DType.BF16;
            case "F16" -> DType.F16;
            default -> throw new CheckpointFormatException(path + ": tensor '" + e.name() + "' has dtype " + e.dtype()
                    + "; only F32, F16 and BF16 can be loaded as weights");
        };
    }
}
