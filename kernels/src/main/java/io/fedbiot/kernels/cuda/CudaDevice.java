package io.fedbiot.kernels.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One device through the JCuda driver API: its primary context, one stream every kernel and copy
 * is queued on (so the order of calls is the order of work), plain allocations, copies, module
 * loading and launches. Every return code is checked. Call only after {@link CudaProbe} said yes.
 */
final class CudaDevice {
    /** Host copies go through direct buffers of at most this many bytes. */
    private static final long CHUNK = 1L << 28;
    private static final CUdeviceptr ZERO = new CUdeviceptr();

    private final CUdevice dev = new CUdevice();
    private final CUcontext ctx = new CUcontext();
    private final RawHandles.Stream stream = new RawHandles.Stream();
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);
    final int ordinal;

    CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        JCudaDriver.setExceptionsEnabled(false);
        Cu.check(JCudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
        Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain");
        makeCurrent();
        Cu.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    }

    /** Binds the context to the calling thread (once per thread; arenas may close on any thread). */
    void makeCurrent() {
        if (!current.get()) {
            Cu.check(JCudaDriver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
            current.set(true);
        }
    }

    /** The raw cudaStream_t / CUstream, for FFM libraries. */
    long streamAddress() {
        return stream.address();
    }

    RawHandles.Stream stream() {
        return stream;
    }

    int attribute(int attr, String what) {
        return CudaProbe.attribute(dev, attr, what);
    }

    /** A device pointer object for a raw address (JCuda adds the byte offset to a null base). */
    static CUdeviceptr at(long address) {
        return ZERO.withByteOffset(address);
    }

    // ---- memory -------------------------------------------------------------------------

    /** Device memory of {@code bytes}; OutOfMemoryError naming them when the device has too little. */
    RawHandles.DevPtr malloc(long bytes) {
        makeCurrent();
        RawHandles.DevPtr p = new RawHandles.DevPtr();
        Cu.checkAlloc(JCudaDriver.cuMemAlloc(p, Math.max(bytes, 1)), bytes, "cuMemAlloc");
        return p;
    }

    /** Frees after the stream drained, so no queued kernel still uses the memory. */
    void free(RawHandles.DevPtr p) {
        makeCurrent();
        synchronize();
        Cu.check(JCudaDriver.cuMemFree(p), "cuMemFree");
    }

    void zero(long address, long bytes) {
        if (bytes == 0) return;
        makeCurrent();
        Cu.check(JCudaDriver.cuMemsetD8Async(at(address), (byte) 0, bytes, stream), "cuMemsetD8Async");
    }

    void copyDeviceToDevice(long dst, long src, long bytes) {
        if (bytes == 0) return;
        makeCurrent();
        Cu.check(JCudaDriver.cuMemcpyDtoDAsync(at(dst), at(src), bytes, stream), "cuMemcpyDtoDAsync");
    }

    /** Host to device; returns when the host memory may be reused. */
    void copyFromHost(MemorySegment src, long dst, long bytes) {
        makeCurrent();
        try (Arena staging = Arena.ofConfined()) {
            for (long off = 0; off < bytes; off += CHUNK) {
                long n = Math.min(CHUNK, bytes - off);
                MemorySegment part = src.asSlice(off, n);
                if (!part.isNative()) part = staging.allocate(n, 64).copyFrom(part);
                Cu.check(JCudaDriver.cuMemcpyHtoDAsync(at(dst + off), Pointer.to(part.asByteBuffer()), n, stream),
                        "cuMemcpyHtoDAsync(" + n + " bytes)");
                synchronize();
            }
        }
    }

    /** Device to host, after all queued work. */
    void copyToHost(long src, MemorySegment dst, long bytes) {
        makeCurrent();
        try (Arena staging = Arena.ofConfined()) {
            for (long off = 0; off < bytes; off += CHUNK) {
                long n = Math.min(CHUNK, bytes - off);
                MemorySegment part = dst.asSlice(off, n);
                MemorySegment target = part.isNative() ? part : staging.allocate(n, 64);
                Cu.check(JCudaDriver.cuMemcpyDtoHAsync(Pointer.to(target.asByteBuffer()), at(src + off), n, stream),
                        "cuMemcpyDtoHAsync(" + n + " bytes)");
                synchronize();
                if (target != part) part.copyFrom(target);
            }
        }
    }

    void synchronize() {
        makeCurrent();
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    // ---- modules and launches -----------------------------------------------------------

    /** Loads a fatbin, cubin or NUL-terminated PTX image. */
    CUmodule loadModule(byte[] image, String what) {
        makeCurrent();
        CUmodule m = new CUmodule();
        Cu.check(JCudaDriver.cuModuleLoadData(m, image), "cuModuleLoadData(" + what + ")");
        return m;
    }

    /** Like {@link #loadModule} but returns the driver's code instead of throwing (for fallbacks). */
    int tryLoadModule(CUmodule into, byte[] image) {
        makeCurrent();
        return JCudaDriver.cuModuleLoadData(into, image);
    }

    CUfunction function(CUmodule m, String name) {
        CUfunction f = new CUfunction();
        Cu.check(JCudaDriver.cuModuleGetFunction(f, m, name), "cuModuleGetFunction(" + name + ")");
        return f;
    }

    void launch(CUfunction f, String name, int gx, int gy, int gz, int block, int sharedBytes, NativePointerObject[] args) {
        makeCurrent();
        Cu.check(JCudaDriver.cuLaunchKernel(f, gx, gy, gz, block, 1, 1, sharedBytes, stream, Pointer.to(args), null),
                "cuLaunchKernel(" + name + ", grid " + gx + "x" + gy + "x" + gz + ", block " + block + ")");
    }

    // ---- events -------------------------------------------------------------------------

    /** Milliseconds the device spent on the work {@code body} queues (for benchmarks). */
    float timeMillis(Runnable body) {
        makeCurrent();
        CUevent start = new CUevent(), stop = new CUevent();
        Cu.check(JCudaDriver.cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        Cu.check(JCudaDriver.cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        try {
            Cu.check(JCudaDriver.cuEventRecord(start, stream), "cuEventRecord");
            body.run();
            Cu.check(JCudaDriver.cuEventRecord(stop, stream), "cuEventRecord");
            Cu.check(JCudaDriver.cuEventSynchronize(stop), "cuEventSynchronize");
            float[] ms = new float[1];
            Cu.check(JCudaDriver.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
            return ms[0];
        } finally {
            JCudaDriver.cuEventDestroy(start);
            JCudaDriver.cuEventDestroy(stop);
        }
    }
}
