package io.fedbiot.kernels.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/** Checks driver-API return codes: anything but CUDA_SUCCESS becomes a {@link CudaException}. */
final class Cu {
    private Cu() {}

    /** Throws naming {@code call} unless {@code rc} is CUDA_SUCCESS. */
    static void check(int rc, String call) {
        if (rc != CUresult.CUDA_SUCCESS) throw new CudaException(call, rc, name(rc));
    }

    /**
     * Like {@link #check} for an allocation of {@code bytes}: out of device memory becomes an
     * {@link OutOfMemoryError} naming the size, as a failed host allocation would.
     */
    static void checkAlloc(int rc, long bytes, String call) {
        if (rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY)
            throw new OutOfMemoryError("cuda: out of device memory allocating " + bytes + " bytes (" + call + ": CUDA_ERROR_OUT_OF_MEMORY)");
        check(rc, call);
    }

    /** The driver's name for a code (CUDA_ERROR_OUT_OF_MEMORY, ...), JCuda's table as a fallback. */
    static String name(int rc) {
        String[] out = new String[1];
        try {
            if (JCudaDriver.cuGetErrorName(rc, out) == CUresult.CUDA_SUCCESS && out[0] != null) return out[0];
        } catch (LinkageError ignored) {
            // the native library is gone: JCuda's own table still knows the names
        }
        return CUresult.stringFor(rc);
    }
}
