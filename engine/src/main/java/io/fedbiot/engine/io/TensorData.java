package io.fedbiot.engine.io;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.HostBuf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Turns stored bytes into host tensors: F32 (zero-copy for aligned little-endian F32, else converted once) or in the stored dtype. */
public final class TensorData {
    private static final ValueLayout.OfFloat LE_F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final boolean NATIVE_LE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private TensorData() {}

    /**
     * An F32 tensor of {@code shape} from {@code bytes} stored as {@code stored} (F32, BF16 or F16).
     * Converted data is allocated in {@code arena}, which must outlive the tensor like the mapping.
     */
    public static Tensor f32(MemorySegment bytes, DType stored, Arena arena, int[] shape) {
        long n = Tensor.numel(shape);
        if (bytes.byteSize() != n * stored.bytes())
            throw new IllegalArgumentException(bytes.byteSize() + " bytes for " + n + " " + stored + " elements");
        MemorySegment out;
        switch (stored) {
            case F32 -> {
                // Kernels read floats with aligned layouts: a misaligned slice is copied instead.
                if (NATIVE_LE && bytes.address() % 4 == 0) {
                    out = bytes;
                } else {
                    out = arena.allocate(n * 4, 64);
                    for (long i = 0; i < n; i++) out.setAtIndex(ValueLayout.JAVA_FLOAT, i, bytes.getAtIndex(LE_F32, i));
                }
            }
            case BF16 -> {
                out = arena.allocate(n * 4, 64);
                for (long i = 0; i < n; i++)
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, i, DType.bf16ToFloat(bytes.getAtIndex(LE_U16, i)));
            }
            case F16 -> {
                out = arena.allocate(n * 4, 64);
                for (long i = 0; i < n; i++)
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, i, DType.f16ToFloat(bytes.getAtIndex(LE_U16, i)));
            }
            default -> throw new IllegalArgumentException("not a floating storage type: " + stored);
        }
        return Tensor.wrap(Backends.java(), DType.F32, new HostBuf(out, Backends.java()), arena, shape);
    }

    /**
     * A tensor of {@code shape} in its stored dtype, zero-copy over {@code bytes} when they are
     * little-endian on a little-endian host and aligned to the element size; else a copy in
     * {@code arena} (byte-swapped where needed). The frozen-weight path for bf16/f16 checkpoints.
     */
    public static Tensor stored(MemorySegment bytes, DType stored, Arena arena, int[] shape) {
        long n = Tensor.numel(shape);
        if (bytes.byteSize() != n * stored.bytes())
            throw new IllegalArgumentException(bytes.byteSize() + " bytes for " + n + " " + stored + " elements");
        MemorySegment out = bytes;
        if (!NATIVE_LE || bytes.address() % stored.bytes() != 0) {
            out = arena.allocate(bytes.byteSize(), 64);
            if (stored.bytes() == 4) {
                for (long i = 0; i < n; i++) out.setAtIndex(ValueLayout.JAVA_FLOAT, i, bytes.getAtIndex(LE_F32, i));
            } else {
                for (long i = 0; i < n; i++) out.setAtIndex(ValueLayout.JAVA_SHORT, i, bytes.getAtIndex(LE_U16, i));
            }
        }
        return Tensor.wrap(Backends.java(), stored, new HostBuf(out, Backends.java()), arena, shape);
    }

    /** The host bytes of any tensor (a copy via the backend's toHost, which is a plain transfer). */
    public static MemorySegment hostBytes(Tensor t, Arena arena) {
        if (t.buf() instanceof HostBuf h) return h.seg();
        MemorySegment host = arena.allocate(t.buf().byteSize(), 64);
        t.backend().toHost(t.buf(), host);
        return host;
    }
}
