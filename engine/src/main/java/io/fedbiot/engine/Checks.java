package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;

import java.util.Arrays;

/** Argument checks shared by the ops; messages name the op and the tensors. */
final class Checks {
    private Checks() {}

    /** The backend all non-null operands share; data never moves implicitly. */
    static Backend backendOf(String op, Tensor... ts) {
        Backend b = null;
        for (Tensor t : ts) {
            if (t == null) continue;
            if (b == null) b = t.backend();
            else if (t.backend() != b)
                throw new IllegalArgumentException(op + ": operands live on different backends ("
                        + b.name() + " and " + t.backend().name() + "); transfer explicitly with Tensor.to");
        }
        return b;
    }

    static void f32(String op, Tensor... ts) {
        for (Tensor t : ts)
            if (t != null && t.dtype() != DType.F32)
                throw new IllegalArgumentException(op + ": expected F32 but " + t + " is " + t.dtype());
    }

    static void i32(String op, Tensor t) {
        if (t.dtype() != DType.I32) throw new IllegalArgumentException(op + ": expected I32 ids but " + t + " is " + t.dtype());
    }

    static void sameShape(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape()))
            throw new IllegalArgumentException(op + ": shapes differ, " + a + " vs " + b);
    }

    static void rank(String op, Tensor t, int r) {
        if (t.rank() != r) throw new IllegalArgumentException(op + ": expected rank " + r + " but got " + t);
    }

    static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** The shape without its last dimension, with the last dimension replaced by {@code last}. */
    static int[] withLast(int[] shape, int last) {
        int[] s = shape.clone();
        s[s.length - 1] = last;
        return s;
    }

    /** Number of rows when the last dimension is the row length. */
    static int rows(Tensor t) {
        return Math.toIntExact(t.numel() / t.dim(-1));
    }
}
