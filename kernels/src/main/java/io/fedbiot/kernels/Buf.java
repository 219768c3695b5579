package io.fedbiot.kernels;

/**
 * A block of memory owned by a backend: host memory for the CPU backends, device memory for a GPU
 * backend. Kernels receive exactly the bytes of one tensor (views are slices, never offsets).
 * Data only crosses between host and device through {@link Backend#toHost} / {@link Backend#fromHost}.
 */
public interface Buf {
    /** Size in bytes. */
    long byteSize();

    /** The backend whose kernels may read and write this buffer. */
    Backend backend();

    /** A view of {@code bytes} bytes starting at {@code offset} bytes, sharing the memory. */
    Buf slice(long offset, long bytes);
}
