package io.fedbiot.engine.io;

/**
 * One tensor entry of a GGUF file. {@code ne} is ggml's order (ne[0] is the contiguous dimension);
 * {@link #shape()} is the row-major shape, i.e. ne reversed. {@code offset} is absolute in the file.
 * {@code type} is null for ggml type ids without a name here ({@code typeId} always holds the id).
 */
public record GgufTensorInfo(String name, long[] ne, int typeId, GgmlType type, long offset) {
    public GgufTensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public long numel() {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Row-major shape (ne reversed); throws if a dimension does not fit in an int. */
    public int[] shape() {
        int[] s = new int[ne.length];
        for (int i = 0; i < ne.length; i++) s[i] = Math.toIntExact(ne[ne.length - 1 - i]);
        return s;
    }

    /** Bytes of the data, or -1 when the type's size is not known here. */
    public long byteSize() {
        return type == null ? -1 : type.byteSize(numel());
    }

    public String typeName() {
        return GgmlType.nameOf(typeId);
    }
}
