package io.fedbiot.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/** What the host backends (Java, native) share: 64-byte-aligned segments, counted while their arena is open. */
public final class HostMemory {
    private final AtomicLong live = new AtomicLong();

    /** A zero-filled buffer of {@code owner} in {@code arena}. */
    public Buf allocate(Backend owner, long bytes, Arena arena) {
        MemorySegment seg = arena.allocate(bytes, 64);
        live.addAndGet(bytes);
        // The arena runs this when it closes: live bytes are exact, not a GC estimate.
        MemorySegment.NULL.reinterpret(arena, ignored -> live.addAndGet(-bytes));
        return new HostBuf(seg, owner);
    }

    public long liveBytes() {
        return live.get();
    }

    public static void toHost(Buf src, MemorySegment dst) {
        MemorySegment.copy(HostBuf.of(src), 0, dst, 0, src.byteSize());
    }

    public static void fromHost(MemorySegment src, Buf dst) {
        MemorySegment.copy(src, 0, HostBuf.of(dst), 0, dst.byteSize());
    }
}
