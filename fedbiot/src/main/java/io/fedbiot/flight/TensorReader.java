package io.fedbiot.flight;

import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what {@link TensorWriter} wrote, checking as it goes: the schema (one float32 column),
 * each chunk's name and shape against {@code expected} (null: accept any), chunks in order
 * without gaps or overlap, no nulls, and a byte limit checked before a chunk is copied. Any
 * violation is an {@link IllegalArgumentException} whose message is the reason given to the peer.
 */
public final class TensorReader {
    /** The header of a stream and its tensors in arrival order. */
    public record Read(String header, List<WireTensor> tensors, long bytes) {}

    private TensorReader() {}

    public static String header(Schema schema) {
        if (schema.getFields().size() != 1 || !"values".equals(schema.getFields().get(0).getName()))
            throw new IllegalArgumentException("expected one column 'values', got " + schema.getFields());
        ArrowType t = schema.getFields().get(0).getType();
        if (!(t instanceof ArrowType.FloatingPoint fp) || fp.getPrecision() != FloatingPointPrecision.SINGLE)
            throw new IllegalArgumentException("dtype " + t + " for 'values', expected float32");
        String h = schema.getCustomMetadata().get(Wire.KEY);
        if (h == null) throw new IllegalArgumentException("no '" + Wire.KEY + "' header in the schema metadata");
        return h;
    }

    public static Read read(FlightStream in, Map<String, int[]> expected, long maxBytes) {
        String header = header(in.getSchema());
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        Map<String, Long> filled = new LinkedHashMap<>();
        long bytes = 0;
        while (in.next()) {
            FieldVector col = in.getRoot().getVector(0);
            int n = in.getRoot().getRowCount();
            bytes += 4L * n;
            if (bytes > maxBytes)
                throw new IllegalArgumentException("message over the size limit of " + maxBytes + " bytes of tensor data");
            ArrowBuf meta = in.getLatestMetadata();
            if (meta == null) throw new IllegalArgumentException("record batch without chunk metadata");
            byte[] mb = new byte[Math.toIntExact(meta.readableBytes())];
            meta.getBytes(meta.readerIndex(), mb);
            Wire.Chunk c = Wire.parse(new String(mb, StandardCharsets.UTF_8), Wire.Chunk.class, "chunk");
            if (c.name() == null || c.shape() == null) throw new IllegalArgumentException("chunk without name or shape");
            int[] want = expected == null ? c.shape() : expected.get(c.name());
            if (want == null) throw new IllegalArgumentException("unknown tensor '" + c.name() + "'");
            if (!Arrays.equals(want, c.shape()))
                throw new IllegalArgumentException("tensor '" + c.name() + "' has shape " + Arrays.toString(c.shape())
                        + ", expected " + Arrays.toString(want));
            long numel = 1;
            for (int d : want) {
                if (d < 0) throw new IllegalArgumentException("tensor '" + c.name() + "': negative dimension");
                numel *= d;
            }
            if (numel > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor '" + c.name() + "' too large");
            float[] dst = values.get(c.name());
            if (dst == null) {
                dst = new float[(int) numel];
                values.put(c.name(), dst);
                shapes.put(c.name(), want.clone());
                filled.put(c.name(), 0L);
            }
            long at = filled.get(c.name());
            if (c.offset() != at)
                throw new IllegalArgumentException("tensor '" + c.name() + "': chunk at offset " + c.offset() + ", expected " + at);
            if (at + n > numel) throw new IllegalArgumentException("tensor '" + c.name() + "': more values than its shape holds");
            if (!(col instanceof Float4Vector v)) throw new IllegalArgumentException("column is " + col.getClass().getSimpleName() + ", expected float32");
            if (v.getNullCount() != 0) throw new IllegalArgumentException("tensor '" + c.name() + "' has null values");
            if (n > 0) v.getDataBuffer().nioBuffer(0, n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, (int) at, n);
            filled.put(c.name(), at + n);
        }
        List<WireTensor> out = new ArrayList<>();
        for (var e : values.entrySet()) {
            if (filled.get(e.getKey()) != e.getValue().length)
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' incomplete: " + filled.get(e.getKey()) + " of "
                        + e.getValue().length + " values");
            out.add(new WireTensor(e.getKey(), shapes.get(e.getKey()), e.getValue()));
        }
        return new Read(header, out, bytes);
    }
}
