package io.fedbiot.kernels.cuda;

/** A CUDA, cuBLAS or NVRTC call returned an error; the message names the call and the code. */
public final class CudaException extends RuntimeException {
    private final int code;

    public CudaException(String call, int code, String codeName) {
        super(call + " failed: " + codeName + " (" + code + ")");
        this.code = code;
    }

    public CudaException(String message) {
        super(message);
        this.code = -1;
    }

    /** The library's status code, or -1 when the failure had none. */
    public int code() {
        return code;
    }
}
