package io.fedbiot.kernels.cpu;

import io.fedbiot.kernels.KernelChecks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The status codes of the C kernels (the FB_* defines of native/c/fedbiot_kernels.h, checked by
 * NativeHeaderTest) and the exception each one becomes.
 */
final class NativeStatus {
    static final int OK = 0;
    /** A token id outside [0, V); the row is in the error record. */
    static final int EID = 1;
    /** A counted target outside [0, V); the row is in the error record. */
    static final int ETARGET = 2;
    /** An allocation failed; the bytes asked are in the error record. */
    static final int ENOMEM = 3;

    private NativeStatus() {}

    /**
     * Throws what a nonzero status of op called with args stands for; error = {code, bytes, row}
     * as fb_last_error reported it right after the call, on the same thread.
     */
    static void raise(NativeOp op, int status, long[] error, Object[] args) {
        if (error[0] != status)
            throw new IllegalStateException("native " + op.base + " failed with status " + status
                    + " but the error record says " + error[0]);
        switch (status) {
            case ENOMEM -> throw new OutOfMemoryError("native " + op.base + ": could not allocate " + error[1] + " bytes");
            case EID -> throw badId("embedding: token id", op, (int) error[2], args);
            case ETARGET -> throw badId("cross-entropy: target id", op, (int) error[2], args);
            default -> throw new IllegalStateException("native " + op.base + " returned unknown status " + status);
        }
    }

    private static IllegalArgumentException badId(String what, NativeOp op, int row, Object[] args) {
        int id = ((MemorySegment) args[op.idsArg]).getAtIndex(ValueLayout.JAVA_INT, row);
        long V = ((Number) args[op.vocabArg]).longValue();
        return KernelChecks.outOfRange(what, id, row, V);
    }
}
