package io.fedbiot.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** Host memory: an FFM segment. Float data is little-endian IEEE float32, ids are int32. */
public record HostBuf(MemorySegment seg, Backend backend) implements Buf {
    public HostBuf {
        Objects.requireNonNull(seg, "seg");
        Objects.requireNonNull(backend, "backend");
    }

    @Override
    public long byteSize() {
        return seg.byteSize();
    }

    @Override
    public HostBuf slice(long offset, long bytes) {
        return new HostBuf(seg.asSlice(offset, bytes), backend);
    }

    /** The segment of a buffer that must be host memory; a clear error otherwise. */
    public static MemorySegment of(Buf b) {
        if (b instanceof HostBuf h) return h.seg;
        throw new IllegalArgumentException("expected host memory, got a buffer of backend "
                + b.backend().name() + "; transfer it explicitly with Backend.toHost");
    }

    /** The segment of b after {@link KernelChecks#need}: non-null, at least {@code floats} floats. */
    public static MemorySegment need(String op, String name, Buf b, long floats) {
        return of(KernelChecks.need(op, name, b, floats));
    }

    /** Like {@link #need}, but null passes through (an optional argument). */
    public static MemorySegment optional(String op, String name, Buf b, long floats) {
        return b == null ? null : need(op, name, b, floats);
    }

    /** Like {@link #of(Buf)} but passes null through (optional kernel arguments). */
    public static MemorySegment ofNullable(Buf b) {
        return b == null ? null : of(b);
    }
}
