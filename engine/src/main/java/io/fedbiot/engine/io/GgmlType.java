package io.fedbiot.engine.io;

/**
 * ggml tensor types by id, with block size (elements) and block bytes where we know them, so that
 * tensor extents can be checked even for types we do not load. Bytes 0 means "size unknown here".
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22), Q5_1(7, 32, 24),
    Q8_0(8, 32, 34), Q8_1(9, 32, 36), Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144),
    Q5_K(13, 256, 176), Q6_K(14, 256, 210), Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 0), IQ2_XS(17, 256, 0), IQ3_XXS(18, 256, 0), IQ1_S(19, 256, 0), IQ4_NL(20, 32, 0),
    IQ3_S(21, 256, 0), IQ2_S(22, 256, 0), IQ4_XS(23, 256, 0),
    I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8), IQ1_M(29, 256, 0), BF16(30, 1, 2),
    TQ1_0(34, 256, 0), TQ2_0(35, 256, 0), MXFP4(39, 32, 0);

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int id() {
        return id;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Bytes of {@code numel} elements, or -1 when the size is not known here or numel is not whole blocks. */
    public long byteSize(long numel) {
        if (blockBytes == 0 || numel % blockSize != 0) return -1;
        return Math.multiplyExact(numel / blockSize, (long) blockBytes);
    }

    /** The type with this id, or null for ids we have no name for. */
    public static GgmlType byId(long id) {
        for (GgmlType t : values()) if (t.id == id) return t;
        return null;
    }

    /** A name for messages: the enum name, or "type N" for unknown ids. */
    public static String nameOf(long id) {
        GgmlType t = byId(id);
        return t == null ? "ggml type " + id : t.name();
    }
}
