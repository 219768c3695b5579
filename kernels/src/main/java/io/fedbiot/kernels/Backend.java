package io.fedbiot.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A backend owns memory and runs the kernels on it. Every kernel argument must be a buffer of
 * this backend; data moves between backends only through the explicit transfers below.
 * Lifetimes follow {@link Arena}s: a buffer lives until the arena it was allocated in is closed
 * (a GPU backend attaches its free to the arena with {@code MemorySegment.reinterpret}).
 */
public interface Backend extends Kernels {
    /** Short name used on the command line: java, native, cuda. */
    String name();

    /** True when buffers of this backend are host memory ({@link HostBuf}). */
    boolean isHost();

    /** Allocates {@code bytes} zeroed bytes, 64-byte aligned, freed when {@code arena} closes. */
    Buf allocate(long bytes, Arena arena);

    /** Copies all of {@code src} (a buffer of this backend) into host memory {@code dst}. */
    void toHost(Buf src, MemorySegment dst);

    /** Copies host memory {@code src} into {@code dst} (a buffer of this backend). */
    void fromHost(MemorySegment src, Buf dst);

    /** Waits until every kernel issued so far has finished (no-op on synchronous backends). */
    default void synchronize() {}

    /** Bytes allocated through {@link #allocate} whose arena is still open. */
    long liveBytes();

    /** Number of kernel threads this backend uses. */
    int threads();

    /**
     * Cross-entropy of a classifier without keeping its logits: logits = h W^T, h [N,C], W [V,C];
     * loss[0] as {@link #crossEntropyForward}; gh [N,C] and gW [V,C] (each nullable) are
     * <b>overwritten</b> with d loss / d h and d loss / d W (for an upstream gradient of 1).
     * This default composes existing kernels over chunks of rows ({@link RowChunkedCrossEntropy}:
     * two [R,V] buffers of about 4 MiB, never [N,V]); a backend may fuse it (the native one works in
     * vocabulary chunks when no gW is asked for).
     */
    default void linearCrossEntropy(Classifier shape, Buf loss, Buf gh, Buf gW, Buf h, Buf W, Buf targets, Buf mask) {
        RowChunkedCrossEntropy.run(this, shape, loss, gh, gW, h, W, targets, mask,
                RowChunkedCrossEntropy.rowsPerChunk(shape.N(), shape.V()));
    }
}
