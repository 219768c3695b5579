package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.Buf;

import java.util.Objects;

/**
 * Device memory of the CUDA backend: a raw device address and a size. Slices share the
 * allocation; only the allocation's arena frees it.
 */
public record DevBuf(long address, long byteSize, CudaBackend backend) implements Buf {
    public DevBuf {
        Objects.requireNonNull(backend, "backend");
        if (byteSize < 0) throw new IllegalArgumentException("negative size " + byteSize);
    }

    @Override
    public DevBuf slice(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > byteSize)
            throw new IndexOutOfBoundsException("slice [" + offset + ", " + (offset + bytes) + ") of a " + byteSize + "-byte device buffer");
        return new DevBuf(address + offset, bytes, backend);
    }

    /** The address of a buffer that must be device memory of {@code be}; a clear error otherwise. */
    static long of(Buf b, CudaBackend be) {
        if (b instanceof DevBuf d && d.backend == be) return d.address;
        throw new IllegalArgumentException("expected device memory of the cuda backend, got a buffer of backend "
                + b.backend().name() + "; transfer it explicitly with Tensor.to / Backend.fromHost");
    }

    /** Like {@link #of} but null (an absent optional argument) becomes address 0. */
    static long ofNullable(Buf b, CudaBackend be) {
        return b == null ? 0L : of(b, be);
    }
}
