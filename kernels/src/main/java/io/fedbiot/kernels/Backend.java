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
     * This default composes existing kernels (logits and their gradient exist only inside the
     * call); a backend may fuse it (the native one works in vocabulary chunks, never [N,V]).
     */
    default void linearCrossEntropy(Buf loss, Buf gh, Buf gW, Buf h, Buf W, Buf targets, Buf mask, int N, int C, int V) {
        try (Arena a = Arena.ofShared()) {   // shared: kernels may run on pool threads
            Buf logits = allocate(4L * N * V, a), lse = allocate(4L * Math.max(N, 1), a);
            gemm(1, false, true, N, V, C, 1f, h, 0, W, 0, 0f, logits, 0);
            crossEntropyForward(loss, lse, logits, targets, mask, N, V);
            if (gh == null && gW == null) return;
            Buf one = allocate(4, a), dLogits = allocate(4L * N * V, a);
            fill(one, 1, 1f);
            crossEntropyBackward(dLogits, one, logits, lse, targets, mask, N, V);
            if (gh != null) gemm(1, false, false, N, C, V, 1f, dLogits, 0, W, 0, 0f, gh, 0);
            if (gW != null) gemm(1, true, false, V, C, N, 1f, dLogits, 0, h, 0, 0f, gW, 0);
        }
    }
}
