package io.fedbiot.kernels;

import java.util.List;

/**
 * The argument checks every backend shares, one message each: a kernel gets the same exception
 * for the same bad call on every backend. Shape and option checks run in the parameter records'
 * constructors ({@link Attention}, {@link GemmShape}, ...); buffer sizes are checked here,
 * before any work, since the native and CUDA kernels read raw pointers.
 */
public final class KernelChecks {
    private KernelChecks() {}

    /** The buffer names KL and NMSE report, in argument order: forward out, a, b; backward da, db, dOut, a, b. */
    public static final List<String> KL_ARGS = List.of("kl", "P", "Q"), KL_BACKWARD_ARGS = List.of("dP", "dQ", "dKl", "P", "Q"),
            NMSE_ARGS = List.of("out", "a", "b"), NMSE_BACKWARD_ARGS = List.of("dA", "dB", "dOut", "a", "b");

    /** {@code b}, which must be non-null and hold at least {@code floats} 4-byte elements. */
    public static Buf need(String op, String name, Buf b, long floats) {
        if (floats < 0) throw new IllegalArgumentException(op + ": negative size for " + name + ": " + floats);
        return needBytes(op, name, b, 4 * floats);
    }

    /** Like {@link #need}, for an optional buffer: null passes (nobody wants that result). */
    public static Buf optional(String op, String name, Buf b, long floats) {
        return b == null ? null : need(op, name, b, floats);
    }

    /** {@code b}, which must be non-null and hold at least {@code bytes} bytes (bf16 operands). */
    public static Buf needBytes(String op, String name, Buf b, long bytes) {
        if (b == null) throw new NullPointerException(op + ": " + name + " is null");
        if (b.byteSize() < bytes)
            throw new IllegalArgumentException(op + ": " + name + " has " + b.byteSize() + " bytes, needs " + bytes);
        return b;
    }

    /** The error for an id or target outside [0, bound), found in row {@code row}. */
    public static IllegalArgumentException outOfRange(String what, int id, int row, long bound) {
        return new IllegalArgumentException(what + " " + id + " at row " + row + " is outside the vocabulary [0, " + bound + ")");
    }

    // ---- for the records' compact constructors ------------------------------------------------

    static void nonNegative(String op, String name, long v) {
        if (v < 0) throw new IllegalArgumentException(op + ": " + name + "=" + v + " must not be negative");
    }

    static void positive(String op, String name, long v) {
        if (v <= 0) throw new IllegalArgumentException(op + ": " + name + "=" + v + " must be positive");
    }

    /** v >= 0 and not NaN. */
    static void nonNegative(String op, String name, float v) {
        if (!(v >= 0f)) throw new IllegalArgumentException(op + ": " + name + "=" + v + " must not be negative");
    }

    static void fail(String op, String what) {
        throw new IllegalArgumentException(op + ": " + what);
    }
}
