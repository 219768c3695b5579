package io.fedbiot.flight;

import org.apache.arrow.flight.OutboundStreamListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Writes tensors as Arrow record batches: one float32 column {@code values}, at most
 * {@link #CHUNK} rows per batch (gRPC messages stay small), the tensor's name, shape and offset
 * in each batch's app metadata; the stream header in the schema metadata.
 */
public final class TensorWriter {
    /** Values per record batch: 4 MiB of float32. */
    public static final int CHUNK = 1 << 20;
    /**
     * How long a stream may stay not-ready before the peer counts as gone: a dropped connection
     * never turns ready again and surfaces no error to a writer that only waits.
     */
    private static final long READY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(15);

    private TensorWriter() {}

    public static Schema schema(Object header) {
        Field values = new Field("values", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
        return new Schema(List.of(values), Map.of(Wire.KEY, Wire.json(header)));
    }

    /** Streams every tensor into {@code out}, whose root {@code root} has {@link #schema}; waits while the peer is slow. */
    public static void write(OutboundStreamListener out, VectorSchemaRoot root, BufferAllocator alloc, List<WireTensor> tensors) {
        write(out, root, alloc, tensors, () -> null);
    }

    /**
     * As above; {@code failed} says whether the call already ended with an error (an upload the
     * server refused mid-stream): the writer then stops with that error instead of waiting for a
     * stream that will never be ready again.
     */
    public static void write(OutboundStreamListener out, VectorSchemaRoot root, BufferAllocator alloc, List<WireTensor> tensors,
                             Supplier<RuntimeException> failed) {
        Float4Vector v = (Float4Vector) root.getVector(0);
        for (WireTensor t : tensors) {
            float[] x = t.values();
            int off = 0;
            do { // a tensor with no values still sends one empty batch, so it is not silently missing
                int n = Math.min(CHUNK, x.length - off);
                awaitReady(out, failed);
                v.allocateNew(Math.max(n, 1)); // fresh buffers: the previous batch may still be on its way out
                if (n > 0) {
                    v.getValidityBuffer().setOne(0, (n + 7) / 8);
                    v.getDataBuffer().nioBuffer(0, n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(x, off, n);
                }
                v.setValueCount(n);
                root.setRowCount(n);
                byte[] meta = Wire.bytes(new Wire.Chunk(t.name(), t.shape(), off));
                ArrowBuf mb = alloc.buffer(meta.length);
                mb.writeBytes(meta);
                out.putNext(mb);
                off += n;
            } while (off < x.length);
        }
        v.clear();
    }

    private static void awaitReady(OutboundStreamListener out, Supplier<RuntimeException> failed) {
        long end = System.nanoTime() + READY_WAIT_NANOS;
        while (!out.isReady()) {
            RuntimeException e = failed.get();
            if (e != null) throw e;
            if (System.nanoTime() > end) throw org.apache.arrow.flight.CallStatus.UNAVAILABLE.withDescription("peer stopped reading for 15 s").toRuntimeException();
            LockSupport.parkNanos(50_000);
        }
    }
}
