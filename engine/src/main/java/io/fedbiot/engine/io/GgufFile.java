package io.fedbiot.engine.io;


import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), memory-mapped once: the metadata parsed into Java
 * values, the tensor infos, and slices of the data section.
 *
 * <p>Metadata values: u8, i8, u16, i16, i32 → Integer; u32, u64, i64 → Long; f32 → Float;
 * f64 → Double; bool → Boolean; string → String. Arrays: of u8..i32 → int[]; of u32, u64, i64 →
 * long[]; f32 → float[]; f64 → double[]; bool → boolean[]; string → String[]; of arrays → List.
 * {@link #type(String)} and {@link #arrayType(String)} give the types as the file wrote them.
 *
 * <p>The metadata stays valid after {@link #close()}; tensor data does not.
 */
public final class GgufFile implements AutoCloseable {
    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    private static final int DEFAULT_ALIGNMENT = 32;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final boolean ownsArena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> types;
    private final Map<String, GgufValueType> arrayTypes;
    private final Map<String, GgufTensorInfo> tensors;
    private final int alignment;
    private final long dataStart;

    private GgufFile(Path path, Arena arena, boolean ownsArena) throws IOException {
        this.path = path;
        this.arena = arena;
        this.ownsArena = ownsArena;
        this.file = MappedFile.map(path, arena);
        Cursor c = new Cursor();
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            String other = FileKind.describe(path, "not a GGUF file");
            throw new CheckpointFormatException(other != null ? other : path + ": not a GGUF file (no GGUF magic): " + FileKind.unknown(FileKind.head(path)));
        }
        version = c.i32("version");
        if (version != 2 && version != 3)
            throw fail("GGUF version " + version + " is not supported (only 2 and 3)");
        long tensorCount = c.u64("tensor count");
        long kvCount = c.u64("metadata count");
        // Each entry needs at least a few bytes: absurd counts are corruption, not a reason to allocate.
        if (tensorCount < 0 || tensorCount > file.byteSize() / 8 || kvCount < 0 || kvCount > file.byteSize() / 8)
            throw fail("implausible counts: " + tensorCount + " tensors, " + kvCount + " metadata keys in "
                    + file.byteSize() + " bytes");

        Map<String, Object> md = new LinkedHashMap<>();
        Map<String, GgufValueType> ty = new LinkedHashMap<>();
        Map<String, GgufValueType> aty = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = c.string("metadata key #" + i);
            String what = "metadata '" + key + "'";
            GgufValueType t = c.valueType(what);
            ty.put(key, t);
            if (t == GgufValueType.ARRAY) {
                GgufValueType et = c.valueType(what + " element");
                aty.put(key, et);
                md.put(key, c.array(et, what));
            } else {
                md.put(key, c.scalar(t, what));
            }
        }
        metadata = Collections.unmodifiableMap(md);
        types = Collections.unmodifiableMap(ty);
        arrayTypes = Collections.unmodifiableMap(aty);

        long align = md.containsKey("general.alignment") ? toLong("general.alignment", md.get("general.alignment"))
                : DEFAULT_ALIGNMENT;
        if (align <= 0 || align > (1 << 20) || (align & (align - 1)) != 0)
            throw fail("general.alignment " + align + " is not a power of two");
        alignment = (int) align;

        List<long[]> raw = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = c.string("tensor info #" + i);
            String what = "tensor info '" + name + "'";
            int nd = c.i32(what + " n_dims");
            if (nd < 0 || nd > 8) throw fail("tensor '" + name + "' has " + Integer.toUnsignedString(nd) + " dimensions");
            long[] rec = new long[nd + 2];
            for (int d = 0; d < nd; d++) {
                rec[d] = c.u64(what + " ne[" + d + "]");
                if (rec[d] < 0) throw fail("tensor '" + name + "' has a negative dimension");
            }
            rec[nd] = Integer.toUnsignedLong(c.i32(what + " type"));
            rec[nd + 1] = c.u64(what + " offset");
            raw.add(rec);
            names.add(name);
        }
        // A vocab-only file may end right after the infos, without padding to the alignment.
        long aligned = (c.pos + alignment - 1) / alignment * alignment;
        dataStart = tensorCount == 0 ? Math.min(aligned, file.byteSize()) : aligned;

        Map<String, GgufTensorInfo> ts = new LinkedHashMap<>();
        for (int i = 0; i < raw.size(); i++) {
            long[] rec = raw.get(i);
            int nd = rec.length - 2;
            long[] ne = java.util.Arrays.copyOf(rec, nd);
            int typeId = (int) rec[nd];
            long rel = rec[nd + 1];
            String name = names.get(i);
            GgufTensorInfo info;
            try {
                info = new GgufTensorInfo(name, ne, typeId, GgmlType.byId(typeId), dataStart + rel);
                info.numel();
            } catch (ArithmeticException e) {
                throw fail("tensor '" + name + "' has an element count that overflows: ne=" + java.util.Arrays.toString(ne));
            }
            long bytes = info.byteSize();
            if (rel < 0 || info.offset() > file.byteSize() || (bytes >= 0 && bytes > file.byteSize() - info.offset()))
                throw fail("tensor '" + name + "' (" + info.typeName() + ", ne=" + java.util.Arrays.toString(ne)
                        + ") needs bytes [" + info.offset() + ", " + (bytes >= 0 ? info.offset() + bytes : "?")
                        + ") but the file has " + file.byteSize() + " bytes (truncated?)");
            if (ts.put(name, info) != null) throw fail("tensor '" + name + "' appears twice");
        }
        tensors = Collections.unmodifiableMap(ts);
    }

    /** Opens and maps {@code file} in an arena of its own, released by {@link #close()}. */
    public static GgufFile open(Path file) throws IOException {
        Arena a = Arena.ofShared();
        try {
            return new GgufFile(file, a, true);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /** Opens and maps {@code file} into {@code arena} (which the caller closes; {@link #close()} leaves it). */
    public static GgufFile open(Path file, Arena arena) throws IOException {
        return new GgufFile(file, arena, false);
    }

    // ---- file-level --------------------------------------------------------------------------

    public Path path() { return path; }
    public int version() { return version; }
    public int alignment() { return alignment; }
    /** Absolute offset of the data section (the file size for a vocab-only file that ends at its metadata). */
    public long dataStart() { return dataStart; }
    public long fileSize() { return file.byteSize(); }

    // ---- metadata ----------------------------------------------------------------------------

    /** All metadata in file order, typed as described in the class comment. */
    public Map<String, Object> metadata() { return metadata; }

    public boolean has(String key) { return metadata.containsKey(key); }

    /** The value type of {@code key} as written, or null when absent. */
    public GgufValueType type(String key) { return types.get(key); }

    /** The element type of array {@code key}, or null when absent or not an array. */
    public GgufValueType arrayType(String key) { return arrayTypes.get(key); }

    public Object get(String key) throws CheckpointFormatException {
        Object v = metadata.get(key);
        if (v == null) throw fail("missing metadata key '" + key + "'");
        return v;
    }

    public String getString(String key) throws CheckpointFormatException {
        return as(key, get(key), String.class, "a string");
    }

    public String getString(String key, String def) throws CheckpointFormatException {
        return has(key) ? getString(key) : def;
    }

    /** An integer value as int. A u32 above Integer.MAX_VALUE wraps (0xFFFFFFFF, ggml's "none", reads -1). */
    public int getInt(String key) throws CheckpointFormatException {
        Object v = get(key);
        long x = toLong(key, v);
        if (types.get(key) == GgufValueType.UINT32) return (int) x;
        if (x != (int) x) throw fail("metadata '" + key + "' = " + x + " does not fit in an int");
        return (int) x;
    }

    public int getInt(String key, int def) throws CheckpointFormatException {
        return has(key) ? getInt(key) : def;
    }

    public long getLong(String key) throws CheckpointFormatException {
        return toLong(key, get(key));
    }

    public long getLong(String key, long def) throws CheckpointFormatException {
        return has(key) ? getLong(key) : def;
    }

    /** A float value (f32 or f64; integers are accepted too, as frequencies are sometimes written so). */
    public float getFloat(String key) throws CheckpointFormatException {
        Object v = get(key);
        if (v instanceof Float f) return f;
        if (v instanceof Double d) return d.floatValue();
        if (v instanceof Integer || v instanceof Long) return ((Number) v).floatValue();
        throw wrongType(key, "a number");
    }

    public float getFloat(String key, float def) throws CheckpointFormatException {
        return has(key) ? getFloat(key) : def;
    }

    public boolean getBool(String key, boolean def) throws CheckpointFormatException {
        return has(key) ? as(key, get(key), Boolean.class, "a bool") : def;
    }

    public String[] getStringArray(String key) throws CheckpointFormatException {
        return as(key, get(key), String[].class, "an array of strings").clone();
    }

    public float[] getFloatArray(String key) throws CheckpointFormatException {
        Object v = get(key);
        if (v instanceof float[] f) return f.clone();
        if (v instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
        throw wrongType(key, "an array of floats");
    }

    /** An integer array as int[]; u32 elements wrap like {@link #getInt(String)}, wider values must fit. */
    public int[] getIntArray(String key) throws CheckpointFormatException {
        Object v = get(key);
        if (v instanceof int[] i) return i.clone();
        if (v instanceof long[] l) {
            boolean u32 = arrayTypes.get(key) == GgufValueType.UINT32;
            int[] out = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                if (!u32 && l[i] != (int) l[i])
                    throw fail("metadata '" + key + "'[" + i + "] = " + l[i] + " does not fit in an int");
                out[i] = (int) l[i];
            }
            return out;
        }
        throw wrongType(key, "an array of integers");
    }

    /** Length of array {@code key}, or -1 when absent or not an array. */
    public int arrayLength(String key) {
        Object v = metadata.get(key);
        if (v == null || !types.containsKey(key) || types.get(key) != GgufValueType.ARRAY) return -1;
        return v instanceof List<?> l ? l.size() : java.lang.reflect.Array.getLength(v);
    }

    // ---- tensors -----------------------------------------------------------------------------

    /** Tensor infos in file order. */
    public Map<String, GgufTensorInfo> tensors() { return tensors; }

    /** The info of {@code name}; throws naming the file and the tensor when absent. */
    public GgufTensorInfo tensor(String name) throws CheckpointFormatException {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) throw fail("missing tensor '" + name + "'");
        return t;
    }

    /** The raw bytes of a tensor, a slice of the mapping (valid while the arena is open). */
    public MemorySegment data(GgufTensorInfo t) throws CheckpointFormatException {
        long bytes = t.byteSize();
        if (bytes < 0) throw fail("tensor '" + t.name() + "' has type " + t.typeName() + " whose size is not known here");
        return file.asSlice(t.offset(), bytes);
    }

    @Override
    public void close() {
        if (ownsArena) arena.close();
    }

    @Override
    public String toString() {
        return "GGUF v" + version + " " + path + " (" + tensors.size() + " tensors, " + metadata.size() + " keys)";
    }

    // ---- parsing -----------------------------------------------------------------------------

    private CheckpointFormatException fail(String what) {
        return new CheckpointFormatException(path + ": " + what);
    }

    private CheckpointFormatException wrongType(String key, String expected) {
        GgufValueType t = types.get(key);
        GgufValueType at = arrayTypes.get(key);
        return fail("metadata '" + key + "' is " + (at != null ? "an array of " + at : t) + ", expected " + expected);
    }

    private <T> T as(String key, Object v, Class<T> c, String expected) throws CheckpointFormatException {
        if (c.isInstance(v)) return c.cast(v);
        throw wrongType(key, expected);
    }

    private long toLong(String key, Object v) throws CheckpointFormatException {
        if (v instanceof Integer || v instanceof Long) return ((Number) v).longValue();
        throw wrongType(key, "an integer");
    }

    /** Reads the metadata and infos sequentially, failing with the file, the offset and what was being read. */
    private final class Cursor {
        long pos;

        private void need(long n, String what) throws CheckpointFormatException {
            if (n < 0 || n > file.byteSize() - pos)
                throw fail("truncated at byte " + pos + " of " + file.byteSize() + " while reading " + what
                        + " (needs " + n + " more bytes)");
        }

        int u8(String what) throws CheckpointFormatException {
            need(1, what);
            return Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, pos++));
        }

        short i16(String what) throws CheckpointFormatException {
            need(2, what);
            short v = file.get(U16, pos);
            pos += 2;
            return v;
        }

        int i32(String what) throws CheckpointFormatException {
            need(4, what);
            int v = file.get(U32, pos);
            pos += 4;
            return v;
        }

        long u64(String what) throws CheckpointFormatException {
            need(8, what);
            long v = file.get(U64, pos);
            pos += 8;
            return v;
        }

        float f32(String what) throws CheckpointFormatException {
            need(4, what);
            float v = file.get(F32, pos);
            pos += 4;
            return v;
        }

        double f64(String what) throws CheckpointFormatException {
            need(8, what);
            double v = file.get(F64, pos);
            pos += 8;
            return v;
        }

        String string(String what) throws CheckpointFormatException {
            long n = u64(what + " length");
            need(n, what);
            if (n > Integer.MAX_VALUE - 16) throw fail("string of " + n + " bytes in " + what);
            byte[] b = new byte[(int) n];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
            pos += n;
            return new String(b, StandardCharsets.UTF_8);
        }

        GgufValueType valueType(String what) throws CheckpointFormatException {
            int id = i32(what + " type");
            GgufValueType t = GgufValueType.byId(Integer.toUnsignedLong(id));
            if (t == null) throw fail("unknown value type " + Integer.toUnsignedString(id) + " for " + what);
            return t;
        }

        Object scalar(GgufValueType t, String what) throws CheckpointFormatException {
            return switch (t) {
                case UINT8 -> u8(what);
                case INT8 -> (int) (byte) u8(what);
                case UINT16 -> Short.toUnsignedInt(i16(what));
                case INT16 -> (int) i16(what);
                case UINT32 -> Integer.toUnsignedLong(i32(what));
                case INT32 -> i32(what);
                case FLOAT32 -> f32(what);
                case BOOL -> {
                    int b = u8(what);
                    if (b > 1) throw fail("bool value " + b + " in " + what);
                    yield b == 1;
                }
                case STRING -> string(what);
                case UINT64, INT64 -> u64(what);
                case FLOAT64 -> f64(what);
                case ARRAY -> {
                    GgufValueType et = valueType(what + " element");
                    yield array(et, what);
                }
            };
        }

        Object array(GgufValueType et, String what) throws CheckpointFormatException {
            long count = u64(what + " array length");
            // Every element takes at least one byte: a larger count is a damaged file.
            if (count < 0 || count > file.byteSize() - pos)
                throw fail("truncated or damaged: array of " + Long.toUnsignedString(count) + " elements in " + what + " at byte " + pos
                        + " does not fit in the file (" + file.byteSize() + " bytes)");
            int n = (int) count;
            String w = what + " element";
            switch (et) {
                case UINT8, INT8, UINT16, INT16, INT32 -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) a[i] = (Integer) scalar(et, w);
                    return a;
                }
                case UINT32, UINT64, INT64 -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) a[i] = (Long) scalar(et, w);
                    return a;
                }
                case FLOAT32 -> {
                    need(4L * n, what);
                    float[] a = new float[n];
                    MemorySegment.copy(file, F32, pos, a, 0, n);
                    pos += 4L * n;
                    return a;
                }
                case FLOAT64 -> {
                    need(8L * n, what);
                    double[] a = new double[n];
                    MemorySegment.copy(file, F64, pos, a, 0, n);
                    pos += 8L * n;
                    return a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) a[i] = (Boolean) scalar(et, w);
                    return a;
                }
                case STRING -> {
                    String[] a = new String[n];
                    for (int i = 0; i < n; i++) a[i] = string(w);
                    return a;
                }
                case ARRAY -> {
                    List<Object> a = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) a.add(scalar(GgufValueType.ARRAY, w));
                    return Collections.unmodifiableList(a);
                }
                default -> throw new AssertionError(et);
            }
        }
    }
}
