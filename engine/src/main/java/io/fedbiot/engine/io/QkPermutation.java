package io.fedbiot.engine.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Hugging Face's q/k row permutation, per head of size D: row 2i+c (interleaved RoPE pairs) moves
 * to row c·D/2 + i (half-split pairs). Applied to llama2.c/GGUF weights it gives HF's layout.
 */
public final class QkPermutation {
    private QkPermutation() {}

    /** Interleaved → half-split: {@code dst[h·D + c·D/2 + i] = src[h·D + 2i + c]} (rows of {@code cols} floats). */
    public static void toHalfSplit(MemorySegment src, MemorySegment dst, int heads, int headSize, int cols) {
        permute(src, dst, heads, headSize, cols, true);
    }

    /** Half-split → interleaved, the inverse. */
    public static void toInterleaved(MemorySegment src, MemorySegment dst, int heads, int headSize, int cols) {
        permute(src, dst, heads, headSize, cols, false);
    }

    private static void permute(MemorySegment src, MemorySegment dst, int heads, int headSize, int cols, boolean toHalf) {
        long rowBytes = (long) cols * Float.BYTES;
        int half = headSize / 2;
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int c = 0; c < 2; c++) {
                    long inter = (long) h * headSize + 2L * i + c;
                    long split = (long) h * headSize + (long) c * half + i;
                    long from = toHalf ? inter : split, to = toHalf ? split : inter;
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, from * rowBytes, dst, ValueLayout.JAVA_BYTE,
                            to * rowBytes, rowBytes);
                }
    }
}
