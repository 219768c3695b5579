package io.fedbiot.kernels.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * JCuda handle objects that also expose their raw addresses, so the same device pointers and
 * streams can go to FFM bindings (cuBLAS 13, NVRTC) and into kernel parameter blocks. JCuda keeps
 * these accessors protected; subclasses may read them.
 */
final class RawHandles {
    private RawHandles() {}

    /** A device allocation filled in by cuMemAlloc. */
    static final class DevPtr extends CUdeviceptr {
        long address() {
            return getNativePointer() + getByteOffset();
        }
    }

    /** A stream filled in by cuStreamCreate. */
    static final class Stream extends CUstream {
        long address() {
            return getNativePointer();
        }
    }

    /** A JCuda pointer to a raw device address (what JCublas takes for matrices). */
    static final class Address extends Pointer {
        Address(long address) {
            super(address);
        }
    }
}
